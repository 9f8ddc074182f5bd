package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

func listConfigMaps(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().ConfigMaps(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	cms := l.Items
	sort.Slice(cms, func(i, j int) bool { return key(&cms[i].ObjectMeta) < key(&cms[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Keys", "Age"}, Empty: "No ConfigMaps."}
	var nss []string
	for _, cm := range cms {
		var keys []string
		for k := range cm.Data {
			keys = append(keys, k)
		}
		for k := range cm.BinaryData {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Rows = append(t.Rows, row{Test: "configmap-row", Name: cm.Name, Cells: []cell{
			{Text: cm.Name, Href: link("configmap", "ns", cm.Namespace, "name", cm.Name)},
			{Text: strings.Join(keys, ", "), Mono: true},
			{Text: status.Age(cm.CreationTimestamp, now)},
		}})
		nss = append(nss, cm.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

func listSecrets(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().Secrets(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	secs := l.Items
	sort.Slice(secs, func(i, j int) bool { return key(&secs[i].ObjectMeta) < key(&secs[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Type", "Keys", "Age"}, Empty: "No Secrets."}
	var nss []string
	for _, s := range secs {
		t.Rows = append(t.Rows, row{Test: "secret-row", Name: s.Name, Cells: []cell{
			{Text: s.Name, Href: link("secret", "ns", s.Namespace, "name", s.Name)},
			{Text: string(s.Type)},
			{Text: strconv.Itoa(len(s.Data))},
			{Text: status.Age(s.CreationTimestamp, now)},
		}})
		nss = append(nss, s.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

func listPVCs(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	pvcs := l.Items
	sort.Slice(pvcs, func(i, j int) bool { return key(&pvcs[i].ObjectMeta) < key(&pvcs[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Status", "Volume", "Capacity", "Access modes", "StorageClass", "Age"}, Empty: "No PersistentVolumeClaims."}
	var nss []string
	for _, p := range pvcs {
		class := status.Warn
		if p.Status.Phase == corev1.ClaimBound {
			class = status.OK
		} else if p.Status.Phase == corev1.ClaimLost {
			class = status.Bad
		}
		capacity := ""
		if q, ok := p.Status.Capacity[corev1.ResourceStorage]; ok {
			capacity = q.String()
		}
		var modes []string
		for _, m := range p.Spec.AccessModes {
			modes = append(modes, string(m))
		}
		sc := ""
		if p.Spec.StorageClassName != nil {
			sc = *p.Spec.StorageClassName
		}
		t.Rows = append(t.Rows, row{Test: "pvc-row", Name: p.Name, Cells: []cell{
			{Text: p.Name, Href: yamlURL("v1/persistentvolumeclaims", p.Namespace, p.Name)},
			{Text: string(p.Status.Phase), Class: class},
			{Text: p.Spec.VolumeName, Mono: true},
			{Text: capacity},
			{Text: strings.Join(modes, ", ")},
			{Text: sc},
			{Text: status.Age(p.CreationTimestamp, now)},
		}})
		nss = append(nss, p.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

// maxEvents caps an event table: the newest are the ones a learner is after.
const maxEvents = 200

func listEvents(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().Events(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return eventTable(l.Items, now, ns == "", true), nil
}

// eventTable lists events newest first; withObject adds the object each is about.
func eventTable(evs []corev1.Event, now time.Time, allNS, withObject bool) *table {
	sort.SliceStable(evs, func(i, j int) bool { return lastSeen(&evs[i]).After(lastSeen(&evs[j])) })
	if len(evs) > maxEvents {
		evs = evs[:maxEvents]
	}
	t := &table{Headers: []string{"Last seen", "Type", "Reason", "Message", "Count"}, Empty: "No events."}
	if withObject {
		t.Headers = []string{"Last seen", "Type", "Reason", "Object", "Message", "Count"}
	}
	var nss []string
	for i := range evs {
		e := &evs[i]
		class := status.OK
		if e.Type == corev1.EventTypeWarning {
			class = status.Bad
		}
		cells := []cell{{Text: status.Age(metav1.NewTime(lastSeen(e)), now)}, {Text: e.Type, Class: class}, {Text: e.Reason}}
		if withObject {
			o := e.InvolvedObject
			cells = append(cells, cell{Text: strings.ToLower(o.Kind) + "/" + o.Name, Href: objectLink(o.Kind, o.Namespace, o.Name)})
		}
		count := e.Count
		if e.Series != nil {
			count = e.Series.Count
		}
		cells = append(cells, cell{Text: e.Message}, cell{Text: strconv.Itoa(int(max(count, 1)))})
		t.Rows = append(t.Rows, row{Test: "event-row", Name: e.Name, Cells: cells})
		nss = append(nss, e.Namespace)
	}
	return withNamespace(t, allNS, nss)
}

func lastSeen(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// objectLink is the page of an object of a kind the dashboard knows, else its YAML page.
func objectLink(kind, ns, name string) template.URL {
	switch kind {
	case "Pod":
		return link("pod", "ns", ns, "name", name)
	case "Deployment":
		return link("deployment", "ns", ns, "name", name)
	case "Service":
		return link("service", "ns", ns, "name", name)
	case "ConfigMap":
		return link("configmap", "ns", ns, "name", name)
	}
	if r, ok := resourceOfKind[kind]; ok {
		return yamlURL(r, ns, name)
	}
	return ""
}

// resourceOfKind maps the kinds events are usually about to group/version/resource.
var resourceOfKind = map[string]string{
	"ReplicaSet": "apps/v1/replicasets", "DaemonSet": "apps/v1/daemonsets", "StatefulSet": "apps/v1/statefulsets",
	"Job": "batch/v1/jobs", "CronJob": "batch/v1/cronjobs", "Node": "v1/nodes",
	"PersistentVolumeClaim": "v1/persistentvolumeclaims", "Ingress": "networking.k8s.io/v1/ingresses",
	"Endpoints": "v1/endpoints", "Secret": "v1/secrets",
}

func listNodes(ctx context.Context, c *Clients, _ string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().Nodes().List(ctx, opts)
	if err != nil {
		return nil, err
	}
	use, metricsErr := nodeMetrics(ctx, c)
	t := nodeTable(l.Items, use, now)
	if metricsErr != nil {
		t.Note = metricsMessage(metricsErr)
	}
	return t, nil
}

func nodeTable(nodes []corev1.Node, use map[string]usage, now time.Time) *table {
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	t := &table{ID: "nodes", Headers: []string{"Name", "Status", "Roles", "Version", "Internal IP", "CPU", "Memory", "Age"}, Empty: "No nodes."}
	for i := range nodes {
		n := &nodes[i]
		text, class := status.Node(n)
		cpu, mem := "?", "?"
		if u, ok := use[n.Name]; ok {
			cpu = percent(float64(u.cpu.MilliValue()), float64(n.Status.Allocatable.Cpu().MilliValue()), fmt.Sprintf("%dm", u.cpu.MilliValue()))
			mem = percent(float64(u.mem.Value()), float64(n.Status.Allocatable.Memory().Value()), bytesText(u.mem.Value()))
		}
		t.Rows = append(t.Rows, row{Test: "node-row", Name: n.Name, Cells: []cell{
			{Text: n.Name, Href: yamlURL("v1/nodes", "", n.Name)},
			{Text: text, Class: class},
			{Text: status.Roles(n)},
			{Text: n.Status.NodeInfo.KubeletVersion},
			{Text: status.InternalIP(n), Mono: true},
			{Text: cpu}, {Text: mem},
			{Text: status.Age(n.CreationTimestamp, now)},
		}})
	}
	return t
}

func percent(used, of float64, text string) string {
	if of <= 0 {
		return text
	}
	return fmt.Sprintf("%s (%.0f%%)", text, 100*used/of)
}

func bytesText(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1fGi", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%dMi", b>>20)
	}
	return fmt.Sprintf("%dKi", b>>10)
}
