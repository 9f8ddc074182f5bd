package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/kubelab/kubelab/pkg/addons"
)

// waitUntil watches the objects a ListWatch yields and returns once done, given all of
// them, says yes. On timeout the error says what was still missing.
func waitUntil(ctx context.Context, lw cache.ListerWatcher, obj runtime.Object, done func(objs []any) (bool, string)) error {
	var store cache.Store
	missing := "nothing seen yet"
	check := func() bool {
		ok, why := done(store.List())
		missing = why
		return ok
	}
	_, err := watchtools.UntilWithSync(ctx, lw, obj,
		func(s cache.Store) (bool, error) { store = s; return check(), nil },
		func(watch.Event) (bool, error) { return check(), nil })
	if err != nil {
		return fmt.Errorf("%s (%v)", missing, err)
	}
	return nil
}

// SystemComponents are the kube-system workloads a ready cluster runs, by the
// "component" or "k8s-app" label their pods carry.
var SystemComponents = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kube-dns", "kubelab-netd"}

// WaitReady waits until the named nodes are Ready, every system component has all its
// pods running and ready, and the default ServiceAccount exists (pods cannot be created
// before it does).
func WaitReady(ctx context.Context, client kubernetes.Interface, nodes []string) error {
	return waitReady(ctx, client, nodes, nil)
}

// waitReady is WaitReady after a start: restarted maps each node a start brought back to
// the moment it did so. What the API server says of those nodes and of their pods was
// written before they stopped until their kubelets report again, so it counts only when
// newer: the node's Ready heartbeat, and its pods' containers' start times.
func waitReady(ctx context.Context, client kubernetes.Interface, nodes []string, restarted map[string]time.Time) error {
	core := client.CoreV1().RESTClient()
	err := waitUntil(ctx, cache.NewListWatchFromClient(core, "nodes", "", fields.Everything()), &corev1.Node{}, func(objs []any) (bool, string) {
		ready := map[string]bool{}
		for _, o := range objs {
			n := o.(*corev1.Node)
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue && !c.LastHeartbeatTime.Time.Before(restarted[n.Name]) {
					ready[n.Name] = true
				}
			}
		}
		var notReady []string
		for _, n := range nodes {
			if !ready[n] {
				notReady = append(notReady, n)
			}
		}
		return len(notReady) == 0, "nodes not Ready: " + strings.Join(notReady, ", ")
	})
	if err != nil {
		return err
	}
	err = waitUntil(ctx, cache.NewListWatchFromClient(core, "pods", metav1.NamespaceSystem, fields.Everything()), &corev1.Pod{}, func(objs []any) (bool, string) {
		total, ready := map[string]int{}, map[string]int{}
		for _, o := range objs {
			p := o.(*corev1.Pod)
			comp := p.Labels["component"]
			if comp == "" {
				comp = p.Labels["k8s-app"]
			}
			total[comp]++
			if podReady(p) && podFresh(p, restarted) {
				ready[comp]++
			}
		}
		var waiting []string
		for _, comp := range SystemComponents {
			if total[comp] == 0 || ready[comp] < total[comp] {
				waiting = append(waiting, fmt.Sprintf("%s %d/%d ready", comp, ready[comp], total[comp]))
			}
		}
		sort.Strings(waiting)
		return len(waiting) == 0, "kube-system pods not ready: " + strings.Join(waiting, ", ")
	})
	if err != nil {
		return err
	}
	return waitUntil(ctx, cache.NewListWatchFromClient(core, "serviceaccounts", metav1.NamespaceDefault, fields.OneTermEqualSelector("metadata.name", "default")), &corev1.ServiceAccount{}, func(objs []any) (bool, string) {
		return len(objs) > 0, "the default ServiceAccount does not exist yet"
	})
}

func podReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podFresh says whether every container of a pod started after its node was
// restarted (or the node was not).
func podFresh(p *corev1.Pod, restarted map[string]time.Time) bool {
	since := restarted[p.Spec.NodeName]
	if since.IsZero() {
		return true
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil || cs.State.Running.StartedAt.Time.Before(since) {
			return false
		}
	}
	return true
}

// waitAddonPods is WaitAddons after a start: a Deployment's status is stale until the
// controller manager catches up, so it waits for each add-on's pods instead, counting
// those on restarted nodes only once they run again (see waitReady).
func waitAddonPods(ctx context.Context, client kubernetes.Interface, list []addons.Addon, restarted map[string]time.Time) error {
	for _, a := range list {
		want, sel, err := addonPods(ctx, client, a)
		if err != nil {
			return fmt.Errorf("add-on %s: %w", a.Name, err)
		}
		lw := cache.NewFilteredListWatchFromClient(client.CoreV1().RESTClient(), "pods", a.Namespace,
			func(o *metav1.ListOptions) { o.LabelSelector = sel.String() })
		err = waitUntil(ctx, lw, &corev1.Pod{}, func(objs []any) (bool, string) {
			ready := int32(0)
			for _, o := range objs {
				if p := o.(*corev1.Pod); podReady(p) && podFresh(p, restarted) {
					ready++
				}
			}
			return ready >= want, fmt.Sprintf("add-on %s: %d/%d pods ready", a.Name, ready, want)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// addonPods says how many pods an add-on runs and how to select them.
func addonPods(ctx context.Context, client kubernetes.Interface, a addons.Addon) (int32, labels.Selector, error) {
	if a.DaemonSet != "" {
		d, err := client.AppsV1().DaemonSets(a.Namespace).Get(ctx, a.DaemonSet, metav1.GetOptions{})
		if err != nil {
			return 0, nil, err
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		return d.Status.DesiredNumberScheduled, sel, err
	}
	d, err := client.AppsV1().Deployments(a.Namespace).Get(ctx, a.Deployment, metav1.GetOptions{})
	if err != nil {
		return 0, nil, err
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	return want, sel, err
}

// WaitAddons waits until the Deployment (or DaemonSet) of each add-on has all its pods ready.
func WaitAddons(ctx context.Context, client kubernetes.Interface, list []addons.Addon) error {
	for _, a := range list {
		if a.DaemonSet != "" {
			lw := cache.NewListWatchFromClient(client.AppsV1().RESTClient(), "daemonsets", a.Namespace,
				fields.OneTermEqualSelector("metadata.name", a.DaemonSet))
			err := waitUntil(ctx, lw, &appsv1.DaemonSet{}, func(objs []any) (bool, string) {
				if len(objs) == 0 {
					return false, "add-on " + a.Name + ": no DaemonSet " + a.Namespace + "/" + a.DaemonSet
				}
				ok, status := addons.DaemonSetReady(objs[0].(*appsv1.DaemonSet))
				return ok, "add-on " + a.Name + ": " + status
			})
			if err != nil {
				return err
			}
			continue
		}
		lw := cache.NewListWatchFromClient(client.AppsV1().RESTClient(), "deployments", a.Namespace,
			fields.OneTermEqualSelector("metadata.name", a.Deployment))
		err := waitUntil(ctx, lw, &appsv1.Deployment{}, func(objs []any) (bool, string) {
			if len(objs) == 0 {
				return false, "add-on " + a.Name + ": no Deployment " + a.Namespace + "/" + a.Deployment
			}
			ok, status := addons.DeploymentReady(objs[0].(*appsv1.Deployment))
			return ok, "add-on " + a.Name + ": " + status
		})
		if err != nil {
			return err
		}
	}
	return nil
}
