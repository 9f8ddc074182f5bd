// Package graph owns the dashboard's live picture of a namespace: which objects relate
// to which (Ingress → Service → Pods ← ReplicaSet ← Deployment, Pods → Nodes), how pods
// are grouped when there are too many to draw one by one (pods.go), and where each box
// goes (layout.go).
// It knows nothing of HTTP; the dashboard feeds it objects from informers.
package graph

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// The kinds of boxes in the picture.
const (
	KindIngress    = "Ingress"
	KindService    = "Service"
	KindPod        = "Pod"
	KindPodGroup   = "PodGroup" // several pods of one owner drawn as one box
	KindReplicaSet = "ReplicaSet"
	KindDeployment = "Deployment"
	KindNode       = "Node"
)

// Objects is what the picture is drawn from. Any slice may be nil (not readable).
type Objects struct {
	Ingresses   []*networkingv1.Ingress
	Services    []*corev1.Service
	Pods        []*corev1.Pod
	ReplicaSets []*appsv1.ReplicaSet
	Deployments []*appsv1.Deployment
	Nodes       []*corev1.Node
}

// Limits keep the picture readable (and the browser quick) with hundreds of pods.
type Limits struct {
	// Pods up to this many are drawn one by one; beyond it, the pods of each owner with
	// more than GroupOver pods become one box.
	Pods      int
	GroupOver int
	// MaxBoxes caps the pod boxes after grouping; the rest are folded per owner.
	MaxBoxes int
	// EmptyReplicaSets is how many ReplicaSets without pods each Deployment shows.
	EmptyReplicaSets int
}

// DefaultLimits suit a laptop screen.
var DefaultLimits = Limits{Pods: 40, GroupOver: 4, MaxBoxes: 60, EmptyReplicaSets: 2}

// Node is one box.
type Node struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Name      string         `json:"name"`
	Namespace string         `json:"namespace,omitempty"`
	Label     string         `json:"label"`            // second line: status, type, ...
	State     string         `json:"state"`            // a status class
	Count     int            `json:"count,omitempty"`  // pods in a group
	States    map[string]int `json:"states,omitempty"` // a group's pods per class
	Href      string         `json:"href,omitempty"`   // relative link to the object's page
	X         int            `json:"x"`
	Y         int            `json:"y"`
	W         int            `json:"w"`
	H         int            `json:"h"`
}

// Edge is one arrow. Kind says what the arrow means.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"` // routes (Ingress→Service), selects (Service→Pod), owns, runs-on
}

// Graph is the whole picture, laid out.
type Graph struct {
	Namespace string   `json:"namespace"`
	Nodes     []*Node  `json:"nodes"`
	Edges     []Edge   `json:"edges"`
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	Pods      int      `json:"pods"`    // pods in the namespace, grouped or not
	Grouped   bool     `json:"grouped"` // some pods are drawn as groups
	Notes     []string `json:"notes,omitempty"`
	Columns   []Column `json:"columns"`
}

// Column is the title over a column of boxes, or over the row of Nodes.
type Column struct {
	Title string `json:"title"`
	X     int    `json:"x"`
	Y     int    `json:"y"`
}

// Linker makes the relative link of an object's page, "" for none.
type Linker func(kind, namespace, name string) string

func id(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// others is the owner ID of the box that holds the pods beyond the picture's limit.
const others = "(other pods)"

// Build relates the objects and lays them out. notes (e.g. what could not be read) are
// passed through for the UI to show.
func Build(ns string, o Objects, lim Limits, link Linker, notes []string) *Graph {
	if link == nil {
		link = func(string, string, string) string { return "" }
	}
	g := &Graph{Namespace: ns, Pods: len(o.Pods), Notes: notes}
	b := builder{g: g, link: link, byID: map[string]*Node{}}

	deps := sortedByName(o.Deployments)
	for _, d := range deps {
		text, class := status.Deployment(d)
		b.add(&Node{ID: id(KindDeployment, d.Namespace, d.Name), Kind: KindDeployment, Name: d.Name, Namespace: d.Namespace, Label: text, State: class})
	}
	podsOf := map[string][]*corev1.Pod{} // owner ID → pods
	var ownerless []*corev1.Pod
	for _, p := range sortedByName(o.Pods) {
		if ref := metav1.GetControllerOf(p); ref != nil {
			oid := id(ref.Kind, p.Namespace, ref.Name)
			podsOf[oid] = append(podsOf[oid], p)
		} else {
			ownerless = append(ownerless, p)
		}
	}
	b.replicaSets(o.ReplicaSets, podsOf, lim.EmptyReplicaSets)
	groups := b.podBoxes(o.Pods, podsOf, ownerless, lim)
	for _, s := range sortedByName(o.Services) {
		b.service(s, o.Pods, groups)
	}
	for _, in := range sortedByName(o.Ingresses) {
		b.ingress(in)
	}
	b.nodes(o.Nodes, o.Pods, groups)
	layout(g)
	return g
}

type builder struct {
	g    *Graph
	link Linker
	byID map[string]*Node
	seen map[string]bool // edges already added
}

func (b *builder) add(n *Node) {
	if n.Href == "" && n.Kind != KindPodGroup {
		n.Href = b.link(n.Kind, n.Namespace, n.Name)
	}
	b.byID[n.ID] = n
	b.g.Nodes = append(b.g.Nodes, n)
}

func (b *builder) edge(from, to, kind string) {
	if b.byID[from] == nil || b.byID[to] == nil {
		return
	}
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	k := from + "|" + to
	if !b.seen[k] {
		b.seen[k] = true
		b.g.Edges = append(b.g.Edges, Edge{From: from, To: to, Kind: kind})
	}
}

// replicaSets adds the ReplicaSets worth showing: those with pods or replicas, and the
// newest few empty ones of each Deployment (the rollout history).
func (b *builder) replicaSets(all []*appsv1.ReplicaSet, podsOf map[string][]*corev1.Pod, keepEmpty int) {
	rss := sortedByName(all)
	sort.SliceStable(rss, func(i, j int) bool { return revision(rss[i]) > revision(rss[j]) })
	empty := map[string]int{}
	for _, rs := range rss {
		rid := id(KindReplicaSet, rs.Namespace, rs.Name)
		owner := ""
		if ref := metav1.GetControllerOf(rs); ref != nil {
			owner = id(ref.Kind, rs.Namespace, ref.Name)
		}
		if len(podsOf[rid]) == 0 && rs.Status.Replicas == 0 && (rs.Spec.Replicas == nil || *rs.Spec.Replicas == 0) {
			if empty[owner] >= keepEmpty {
				continue
			}
			empty[owner]++
		}
		text, class := status.ReplicaSet(rs)
		if r := revision(rs); r > 0 {
			text = fmt.Sprintf("rev %d · %s", r, text)
		}
		b.add(&Node{ID: rid, Kind: KindReplicaSet, Name: rs.Name, Namespace: rs.Namespace, Label: text, State: class})
		b.edge(owner, rid, "owns")
	}
}

func (b *builder) service(s *corev1.Service, pods []*corev1.Pod, in map[*corev1.Pod]string) {
	sid := id(KindService, s.Namespace, s.Name)
	label := string(s.Spec.Type)
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		label += " " + s.Spec.ExternalName
	} else if s.Spec.ClusterIP != "" {
		label += " " + s.Spec.ClusterIP
	}
	n := &Node{ID: sid, Kind: KindService, Name: s.Name, Namespace: s.Namespace, Label: label, State: status.OK}
	b.add(n)
	if len(s.Spec.Selector) == 0 {
		return
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	matched, ready := 0, 0
	for _, p := range pods {
		if p.Namespace != s.Namespace || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		matched++
		if _, class := status.Pod(p); class == status.OK {
			ready++
		}
		b.edge(sid, in[p], "selects")
	}
	switch {
	case matched == 0:
		n.State = status.Off
	case ready == 0:
		n.State = status.Bad
	case ready < matched:
		n.State = status.Warn
	}
}

func (b *builder) ingress(in *networkingv1.Ingress) {
	iid := id(KindIngress, in.Namespace, in.Name)
	var hosts []string
	for _, r := range in.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	label := "*"
	if len(hosts) > 0 {
		label = hosts[0]
		if len(hosts) > 1 {
			label += fmt.Sprintf(" +%d", len(hosts)-1)
		}
	}
	b.add(&Node{ID: iid, Kind: KindIngress, Name: in.Name, Namespace: in.Namespace, Label: label, State: status.OK})
	backend := func(be *networkingv1.IngressBackend) {
		if be != nil && be.Service != nil {
			b.edge(iid, id(KindService, in.Namespace, be.Service.Name), "routes")
		}
	}
	backend(in.Spec.DefaultBackend)
	for _, r := range in.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for i := range r.HTTP.Paths {
			backend(&r.HTTP.Paths[i].Backend)
		}
	}
}

// nodes adds the Nodes that run any pod of the picture.
func (b *builder) nodes(nodes []*corev1.Node, pods []*corev1.Pod, in map[*corev1.Pod]string) {
	used := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			used[p.Spec.NodeName] = true
		}
	}
	for _, n := range sortedByName(nodes) {
		if !used[n.Name] {
			continue
		}
		text, class := status.Node(n)
		b.add(&Node{ID: id(KindNode, "", n.Name), Kind: KindNode, Name: n.Name, Label: text, State: class})
	}
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			b.edge(in[p], id(KindNode, "", p.Spec.NodeName), "runs-on")
		}
	}
}

// revision is a ReplicaSet's rollout revision (deployment.kubernetes.io/revision), 0 if none.
func revision(rs *appsv1.ReplicaSet) int {
	var r int
	fmt.Sscan(rs.Annotations["deployment.kubernetes.io/revision"], &r)
	return r
}

// ownerName is the name part of an owner ID.
func ownerName(oid string) string {
	for i := len(oid) - 1; i >= 0; i-- {
		if oid[i] == '/' {
			return oid[i+1:]
		}
	}
	return oid
}

func sortedByName[T metav1.Object](in []T) []T {
	out := append([]T(nil), in...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].GetNamespace() != out[j].GetNamespace() {
			return out[i].GetNamespace() < out[j].GetNamespace()
		}
		return out[i].GetName() < out[j].GetName()
	})
	return out
}
