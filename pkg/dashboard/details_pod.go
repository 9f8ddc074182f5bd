package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// deleteForm is the confirm-then-delete control of a details page.
type deleteForm struct {
	R, NS, Name string       // group/version/resource, namespace, name
	What        string       // "pod web-1"
	Then        template.URL // where to go once deleted
	Back        template.URL // where a failure is reported: the page itself
	CSRF        string
}

// podData is the pod page.
type podData struct {
	Name, Namespace string
	Err             string // the pod could not be read
	Status, Class   string
	Ready           string
	Node, IP, Age   string
	QoS             string
	Labels          string
	Owner           cell
	Containers      *table
	Conditions      *table
	Events          *table
	ContainerNames  []string
	Delete          deleteForm
}

// target reads the ns and name parameters of a details page; ok is false (and a 400 page
// drawn) when the name is missing.
func (s *Server) target(w http.ResponseWriter, r *http.Request, p *page) (ns, name string, ok bool) {
	name = r.URL.Query().Get("name")
	if name == "" {
		p.FlashErr = "This page needs ?name= (and ns=)."
		s.render(w, http.StatusBadRequest, "error.html", p)
		return "", "", false
	}
	return namespaceOf(r), name, true
}

func (s *Server) podPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Pod", "pods", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	p.Title, p.Watch = "Pod "+name, "pods,events"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	d := &podData{Name: name, Namespace: ns}
	p.Data = d
	pod, err := u.clients.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "pod.html", p)
		return
	}
	now := s.opts.Now()
	d.Status, d.Class = status.Pod(pod)
	ready, total := status.Ready(pod)
	d.Ready = fmt.Sprintf("%d/%d", ready, total)
	d.Node, d.IP, d.Age, d.QoS = pod.Spec.NodeName, pod.Status.PodIP, status.Age(pod.CreationTimestamp, now), string(pod.Status.QOSClass)
	d.Labels = labels.Set(pod.Labels).String()
	if ref := metav1.GetControllerOf(pod); ref != nil {
		d.Owner = cell{Text: ref.Kind + "/" + ref.Name, Href: objectLink(ref.Kind, ns, ref.Name)}
	}
	d.Containers = containerTable(pod)
	d.Conditions = conditionTable(pod.Status.Conditions, now)
	for _, c := range pod.Spec.Containers {
		d.ContainerNames = append(d.ContainerNames, c.Name)
	}
	d.Events = s.objectEvents(ctx, u, ns, "Pod", name, now)
	d.Delete = deleteForm{R: "v1/pods", NS: ns, Name: name, What: "pod " + name, Then: link("pods", "ns", ns), CSRF: u.csrf, Back: p.Self}
	s.render(w, http.StatusOK, "pod.html", p)
}

func containerTable(pod *corev1.Pod) *table {
	t := &table{ID: "containers", Headers: []string{"Name", "Image", "State", "Ready", "Restarts", "Ports"}}
	st := map[string]corev1.ContainerStatus{}
	for _, c := range pod.Status.ContainerStatuses {
		st[c.Name] = c
	}
	for _, c := range pod.Spec.Containers {
		cs, known := st[c.Name]
		state, class := "Waiting", status.Warn
		switch {
		case !known:
		case cs.State.Running != nil:
			state, class = "Running since "+cs.State.Running.StartedAt.Format(time.TimeOnly), status.OK
		case cs.State.Waiting != nil:
			state = "Waiting: " + cs.State.Waiting.Reason
			if cs.State.Waiting.Reason != "ContainerCreating" && cs.State.Waiting.Reason != "PodInitializing" {
				class = status.Bad
			}
		case cs.State.Terminated != nil:
			state, class = fmt.Sprintf("Terminated: %s (exit %d)", cs.State.Terminated.Reason, cs.State.Terminated.ExitCode), status.Bad
			if cs.State.Terminated.ExitCode == 0 {
				class = status.Done
			}
		}
		if known && cs.State.Waiting != nil && cs.State.Waiting.Message != "" {
			state += " — " + cs.State.Waiting.Message
		}
		var ports []string
		for _, p := range c.Ports {
			ports = append(ports, fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol))
		}
		ready := "no"
		if cs.Ready {
			ready = "yes"
		}
		t.Rows = append(t.Rows, row{Test: "container-row", Name: c.Name, Cells: []cell{
			{Text: c.Name}, {Text: c.Image, Mono: true}, {Text: state, Class: class}, {Text: ready},
			{Text: strconv.Itoa(int(cs.RestartCount))}, {Text: strings.Join(ports, ", "), Mono: true},
		}})
	}
	return t
}

func conditionTable(conds []corev1.PodCondition, now time.Time) *table {
	t := &table{ID: "conditions", Headers: []string{"Condition", "Status", "Since", "Reason", "Message"}, Empty: "No conditions reported yet."}
	for _, c := range conds {
		class := status.OK
		if c.Status != corev1.ConditionTrue {
			class = status.Warn
		}
		t.Rows = append(t.Rows, row{Test: "condition-row", Name: string(c.Type), Cells: []cell{
			{Text: string(c.Type)}, {Text: string(c.Status), Class: class},
			{Text: status.Age(c.LastTransitionTime, now)}, {Text: c.Reason}, {Text: c.Message},
		}})
	}
	return t
}

// objectEvents is the table of events about one object; an error shows in its place.
func (s *Server) objectEvents(ctx context.Context, u *user, ns, kind, name string, now time.Time) *table {
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.String()
	l, err := u.clients.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return &table{ID: "events", Err: apiMessage(err)}
	}
	var evs []corev1.Event
	for _, e := range l.Items {
		if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name {
			evs = append(evs, e)
		}
	}
	t := eventTable(evs, now, false, false)
	t.ID = "events"
	t.Empty = "No recent events (the API server keeps them for an hour)."
	return t
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
