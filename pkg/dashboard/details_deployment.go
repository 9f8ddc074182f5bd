package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// changeCauseAnnotation is where `kubectl ... --record` and people note why a rollout happened.
const changeCauseAnnotation = "kubernetes.io/change-cause"

// deploymentData is the Deployment page.
type deploymentData struct {
	Name, Namespace string
	Err             string
	Status, Class   string
	Replicas        int32
	Updated         int32
	Ready           int32
	Available       int32
	Strategy        string
	Selector        string
	Images          string
	Age             string
	Conditions      *table
	History         []revision
	HistoryErr      string
	Pods            *table
	Events          *table
	Delete          deleteForm
}

// revision is one row of the rollout history: a ReplicaSet of the Deployment.
type revision struct {
	Revision   int
	ReplicaSet string
	Images     string
	Cause      string
	Pods       string
	Class      string
	Age        string
	Current    bool
}

func (s *Server) deploymentPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Deployment", "deployments", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	p.Title, p.Watch = "Deployment "+name, "deployments,replicasets,pods,events"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	d := &deploymentData{Name: name, Namespace: ns}
	p.Data = d
	dep, err := u.clients.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "deployment.html", p)
		return
	}
	now := s.opts.Now()
	d.Status, d.Class = status.Deployment(dep)
	d.Replicas, d.Updated, d.Ready, d.Available = replicas(dep.Spec.Replicas), dep.Status.UpdatedReplicas, dep.Status.ReadyReplicas, dep.Status.AvailableReplicas
	d.Strategy = string(dep.Spec.Strategy.Type)
	d.Selector = metav1.FormatLabelSelector(dep.Spec.Selector)
	d.Images = images(dep.Spec.Template.Spec)
	d.Age = status.Age(dep.CreationTimestamp, now)
	d.Conditions = deploymentConditions(dep, now)
	d.Delete = deleteForm{R: "apps/v1/deployments", NS: ns, Name: name, What: "Deployment " + name + " (and its ReplicaSets and pods)", Then: link("deployments", "ns", ns), CSRF: u.csrf, Back: p.Self}

	rss, err := ownedReplicaSets(ctx, u.clients, dep)
	if err != nil {
		d.HistoryErr = apiMessage(err)
	}
	d.History = history(dep, rss, now)

	pods, err := u.clients.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: d.Selector})
	if err != nil {
		d.Pods = &table{Err: apiMessage(err)}
	} else {
		d.Pods = podTable(podsOf(pods.Items, rss), now, false)
	}
	d.Pods.ID = "pods"
	d.Events = s.objectEvents(ctx, u, ns, "Deployment", name, now)
	s.render(w, http.StatusOK, "deployment.html", p)
}

// ownedReplicaSets are the ReplicaSets the Deployment controls, newest revision first.
func ownedReplicaSets(ctx context.Context, c *Clients, dep *appsv1.Deployment) ([]appsv1.ReplicaSet, error) {
	l, err := c.Kube.AppsV1().ReplicaSets(dep.Namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(dep.Spec.Selector)})
	if err != nil {
		return nil, err
	}
	var out []appsv1.ReplicaSet
	for _, rs := range l.Items {
		ref := metav1.GetControllerOf(&rs)
		if ref != nil && ref.Kind == "Deployment" && ref.Name == dep.Name && (ref.UID == "" || ref.UID == dep.UID) {
			out = append(out, rs)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return revisionOf(&out[i]) > revisionOf(&out[j]) })
	return out, nil
}

func revisionOf(rs *appsv1.ReplicaSet) int {
	n, _ := strconv.Atoi(rs.Annotations[revisionAnnotation])
	return n
}

// podsOf keeps the pods owned by one of the ReplicaSets (all pods when rss is empty:
// the ReplicaSets could not be read, so the selector is all there is to go by).
func podsOf(pods []corev1.Pod, rss []appsv1.ReplicaSet) []corev1.Pod {
	if len(rss) == 0 {
		return pods
	}
	mine := map[string]bool{}
	for _, rs := range rss {
		mine[rs.Name] = true
	}
	var out []corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "ReplicaSet" && mine[ref.Name] {
			out = append(out, p)
		}
	}
	return out
}

func history(dep *appsv1.Deployment, rss []appsv1.ReplicaSet, now time.Time) []revision {
	current, _ := strconv.Atoi(dep.Annotations[revisionAnnotation])
	if current == 0 && len(rss) > 0 {
		current = revisionOf(&rss[0])
	}
	var out []revision
	for i := range rss {
		rs := &rss[i]
		_, class := status.ReplicaSet(rs)
		out = append(out, revision{
			Revision: revisionOf(rs), ReplicaSet: rs.Name, Images: images(rs.Spec.Template.Spec),
			Cause: rs.Annotations[changeCauseAnnotation], Class: class,
			Pods:    fmt.Sprintf("%d/%d", rs.Status.ReadyReplicas, replicas(rs.Spec.Replicas)),
			Age:     status.Age(rs.CreationTimestamp, now),
			Current: revisionOf(rs) == current,
		})
	}
	return out
}

func deploymentConditions(dep *appsv1.Deployment, now time.Time) *table {
	t := &table{ID: "conditions", Headers: []string{"Condition", "Status", "Since", "Reason", "Message"}, Empty: "No conditions reported yet."}
	for _, c := range dep.Status.Conditions {
		class := status.OK
		if c.Status != corev1.ConditionTrue {
			class = status.Bad
		}
		t.Rows = append(t.Rows, row{Test: "condition-row", Name: string(c.Type), Cells: []cell{
			{Text: string(c.Type)}, {Text: string(c.Status), Class: class},
			{Text: status.Age(c.LastTransitionTime, now)}, {Text: c.Reason}, {Text: c.Message},
		}})
	}
	return t
}
