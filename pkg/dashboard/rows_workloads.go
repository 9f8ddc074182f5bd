package dashboard

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// revisionAnnotation is where the Deployment controller numbers a ReplicaSet's rollout.
const revisionAnnotation = "deployment.kubernetes.io/revision"

func listPods(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().Pods(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return podTable(l.Items, now, ns == ""), nil
}

func podTable(pods []corev1.Pod, now time.Time, allNS bool) *table {
	sort.Slice(pods, func(i, j int) bool { return key(&pods[i].ObjectMeta) < key(&pods[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Status", "Ready", "Restarts", "Node", "IP", "Age"}, Empty: "No pods."}
	var nss []string
	for i := range pods {
		p := &pods[i]
		text, class := status.Pod(p)
		ready, total := status.Ready(p)
		readyClass := status.OK
		if ready < total {
			readyClass = status.Warn
		}
		t.Rows = append(t.Rows, row{Test: "pod-row", Name: p.Name, Cells: []cell{
			{Text: p.Name, Href: link("pod", "ns", p.Namespace, "name", p.Name)},
			{Text: text, Class: class},
			{Text: fmt.Sprintf("%d/%d", ready, total), Class: readyClass},
			{Text: strconv.Itoa(status.Restarts(p))},
			{Text: p.Spec.NodeName},
			{Text: p.Status.PodIP, Mono: true},
			{Text: status.Age(p.CreationTimestamp, now)},
		}})
		nss = append(nss, p.Namespace)
	}
	return withNamespace(t, allNS, nss)
}

func listDeployments(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.AppsV1().Deployments(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	ds := l.Items
	sort.Slice(ds, func(i, j int) bool { return key(&ds[i].ObjectMeta) < key(&ds[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Ready", "Up-to-date", "Available", "Images", "Age"}, Empty: "No Deployments."}
	var nss []string
	for i := range ds {
		d := &ds[i]
		_, class := status.Deployment(d)
		t.Rows = append(t.Rows, row{Test: "deployment-row", Name: d.Name, Cells: []cell{
			{Text: d.Name, Href: link("deployment", "ns", d.Namespace, "name", d.Name)},
			{Text: fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)), Class: class},
			{Text: strconv.Itoa(int(d.Status.UpdatedReplicas))},
			{Text: strconv.Itoa(int(d.Status.AvailableReplicas))},
			{Text: images(d.Spec.Template.Spec), Mono: true},
			{Text: status.Age(d.CreationTimestamp, now)},
		}})
		nss = append(nss, d.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

func listReplicaSets(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.AppsV1().ReplicaSets(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return replicaSetTable(l.Items, now, ns == ""), nil
}

func replicaSetTable(rss []appsv1.ReplicaSet, now time.Time, allNS bool) *table {
	sort.Slice(rss, func(i, j int) bool { return key(&rss[i].ObjectMeta) < key(&rss[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Desired", "Current", "Ready", "Revision", "Owner", "Images", "Age"}, Empty: "No ReplicaSets."}
	var nss []string
	for i := range rss {
		rs := &rss[i]
		_, class := status.ReplicaSet(rs)
		owner := cell{}
		if ref := metav1.GetControllerOf(rs); ref != nil {
			owner.Text = ref.Kind + "/" + ref.Name
			if ref.Kind == "Deployment" {
				owner.Href = link("deployment", "ns", rs.Namespace, "name", ref.Name)
			}
		}
		t.Rows = append(t.Rows, row{Test: "replicaset-row", Name: rs.Name, Cells: []cell{
			{Text: rs.Name, Href: yamlURL("apps/v1/replicasets", rs.Namespace, rs.Name)},
			{Text: strconv.Itoa(int(replicas(rs.Spec.Replicas)))},
			{Text: strconv.Itoa(int(rs.Status.Replicas))},
			{Text: strconv.Itoa(int(rs.Status.ReadyReplicas)), Class: class},
			{Text: rs.Annotations[revisionAnnotation]},
			owner,
			{Text: images(rs.Spec.Template.Spec), Mono: true},
			{Text: status.Age(rs.CreationTimestamp, now)},
		}})
		nss = append(nss, rs.Namespace)
	}
	return withNamespace(t, allNS, nss)
}

// replicas is a spec's replica count, 1 when unset as the API server defaults it.
func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

func images(spec corev1.PodSpec) string {
	var out []string
	for _, c := range spec.Containers {
		out = append(out, c.Image)
	}
	return strings.Join(out, ", ")
}

// key sorts objects by namespace, then name.
func key(m *metav1.ObjectMeta) string { return m.Namespace + "/" + m.Name }
