package graph

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func owned(kind, name string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{Kind: kind, Name: name, Controller: ptr.To(true)}}
}

func pod(name, rs, node string, ready bool) *corev1.Pod {
	st := corev1.ContainerStatus{Name: "app", Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}, OwnerReferences: owned("ReplicaSet", rs)},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{st}},
	}
}

func rs(name, dep string, rev, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", OwnerReferences: owned("Deployment", dep),
			Annotations: map[string]string{"deployment.kubernetes.io/revision": fmt.Sprint(rev)}},
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas},
	}
}

func sample(pods int) Objects {
	o := Objects{
		Deployments: []*appsv1.Deployment{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(pods))}}},
		ReplicaSets: []*appsv1.ReplicaSet{rs("web-2", "web", 2, int32(pods)), rs("web-1", "web", 1, 0)},
		Services: []*corev1.Service{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", Selector: map[string]string{"app": "web"}}}},
		Ingresses: []*networkingv1.Ingress{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "web.example", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}}}}}}}}}}},
		Nodes: []*corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, {ObjectMeta: metav1.ObjectMeta{Name: "idle"}}},
	}
	for i := range pods {
		o.Pods = append(o.Pods, pod(fmt.Sprintf("web-2-%03d", i), "web-2", "n1", i != 0))
	}
	return o
}

func edgeSet(g *Graph) map[string]string {
	m := map[string]string{}
	for _, e := range g.Edges {
		m[e.From+" -> "+e.To] = e.Kind
	}
	return m
}

func TestBuildRelatesObjects(t *testing.T) {
	g := Build("default", sample(3), DefaultLimits, func(kind, ns, name string) string { return kind + "?" + name }, nil)
	edges := edgeSet(g)
	want := map[string]string{
		"Ingress/default/web -> Service/default/web":         "routes",
		"Service/default/web -> Pod/default/web-2-000":       "selects",
		"ReplicaSet/default/web-2 -> Pod/default/web-2-002":  "owns",
		"Deployment/default/web -> ReplicaSet/default/web-2": "owns",
		"Deployment/default/web -> ReplicaSet/default/web-1": "owns",
		"Pod/default/web-2-001 -> Node//n1":                  "runs-on",
	}
	for k, v := range want {
		if edges[k] != v {
			t.Errorf("edge %s: got %q, want %q", k, edges[k], v)
		}
	}
	if len(g.Edges) != 1+3+3+2+3 {
		t.Errorf("got %d edges, want 12: %v", len(g.Edges), edges)
	}
	for _, n := range g.Nodes {
		if n.Name == "idle" {
			t.Error("a node without pods of the namespace is drawn")
		}
		if n.Kind == KindPod && n.Name == "web-2-000" && n.State != "warn" {
			t.Errorf("unready pod has state %q, want warn", n.State)
		}
		if n.Kind == KindService && n.State != "warn" {
			t.Errorf("service with one of three pods unready has state %q, want warn", n.State)
		}
		if n.Kind != KindPodGroup && n.Href != n.Kind+"?"+n.Name {
			t.Errorf("%s has link %q", n.ID, n.Href)
		}
	}
	checkLayout(t, g)
}

// checkLayout: columns ordered by kind, no overlaps, everything inside the canvas.
func checkLayout(t *testing.T, g *Graph) {
	t.Helper()
	x := map[string]int{}
	for _, n := range g.Nodes {
		k := n.Kind
		if k == KindPodGroup {
			k = KindPod
		}
		if n.Kind != KindNode {
			if old, ok := x[k]; ok && old != n.X {
				t.Errorf("%s boxes in two columns: %d and %d", k, old, n.X)
			}
			x[k] = n.X
		}
		if n.X < 0 || n.Y < 0 || n.X+n.W > g.Width || n.Y+n.H > g.Height {
			t.Errorf("%s at %d,%d outside %dx%d", n.ID, n.X, n.Y, g.Width, g.Height)
		}
		for _, m := range g.Nodes {
			if m != n && m.X == n.X && m.Y < n.Y+n.H && n.Y < m.Y+m.H && m.Kind != KindNode == (n.Kind != KindNode) {
				t.Errorf("%s and %s overlap", n.ID, m.ID)
			}
		}
	}
	order := []string{KindIngress, KindService, KindPod, KindReplicaSet, KindDeployment}
	for i := 1; i < len(order); i++ {
		a, okA := x[order[i-1]]
		b, okB := x[order[i]]
		if okA && okB && a >= b {
			t.Errorf("column %s (x=%d) is not left of %s (x=%d)", order[i-1], a, order[i], b)
		}
	}
}

func TestBuildGroupsManyPods(t *testing.T) {
	g := Build("default", sample(300), DefaultLimits, nil, nil)
	var groups []*Node
	for _, n := range g.Nodes {
		if n.Kind == KindPod {
			t.Fatalf("pod %s drawn alone among 300", n.Name)
		}
		if n.Kind == KindPodGroup {
			groups = append(groups, n)
		}
	}
	if len(groups) != 1 || groups[0].Count != 300 || groups[0].States["ok"] != 299 || groups[0].States["warn"] != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	if !g.Grouped || g.Pods != 300 {
		t.Errorf("Grouped=%v Pods=%d", g.Grouped, g.Pods)
	}
	edges := edgeSet(g)
	if edges["Service/default/web -> "+groups[0].ID] != "selects" || edges[groups[0].ID+" -> Node//n1"] != "runs-on" {
		t.Errorf("group edges: %v", edges)
	}
	if len(g.Edges) != 6 {
		t.Errorf("got %d edges, want 6 (one per relation): %v", len(g.Edges), edges)
	}
	checkLayout(t, g)
}

func TestBuildCapsBoxes(t *testing.T) {
	o := Objects{}
	for i := range 150 {
		name := fmt.Sprintf("rs%03d", i)
		o.ReplicaSets = append(o.ReplicaSets, rs(name, "", 1, 2))
		o.Pods = append(o.Pods, pod(name+"-a", name, "", true), pod(name+"-b", name, "", true))
	}
	for i := range 30 {
		p := pod(fmt.Sprintf("bare%02d", i), "", "", true)
		p.OwnerReferences = nil
		o.Pods = append(o.Pods, p)
	}
	g := Build("default", o, DefaultLimits, nil, nil)
	boxes, pods := 0, 0
	for _, n := range g.Nodes {
		switch n.Kind {
		case KindPod:
			boxes++
			pods++
		case KindPodGroup:
			boxes++
			pods += n.Count
		}
	}
	if boxes > DefaultLimits.MaxBoxes || pods != 330 {
		t.Errorf("%d pod boxes holding %d pods; want at most %d boxes holding 330", boxes, pods, DefaultLimits.MaxBoxes)
	}
	checkLayout(t, g)
}
