package dashboard

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// listWatcher is the part of a typed client a watch needs.
type listWatcher[L metav1.ListInterface] interface {
	List(context.Context, metav1.ListOptions) (L, error)
	Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
}

// startWatch starts a watch of one kind in a namespace from now on.
type startWatch func(ctx context.Context, c kubernetes.Interface, ns string) (watch.Interface, error)

// watchFrom makes a startWatch: a one-item list gives the current resourceVersion, and the
// watch starts there, so only changes from now on arrive (not every existing object).
func watchFrom[L metav1.ListInterface](api func(kubernetes.Interface, string) listWatcher[L]) startWatch {
	return func(ctx context.Context, c kubernetes.Interface, ns string) (watch.Interface, error) {
		a := api(c, ns)
		l, err := a.List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			return nil, err
		}
		return a.Watch(ctx, metav1.ListOptions{ResourceVersion: l.GetResourceVersion()})
	}
}

// watchable are the kinds a page can ask to be refreshed on, by the names pages use.
var watchable = map[string]startWatch{
	"pods": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.PodList] { return c.CoreV1().Pods(ns) }),
	"deployments": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*appsv1.DeploymentList] {
		return c.AppsV1().Deployments(ns)
	}),
	"replicasets": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*appsv1.ReplicaSetList] {
		return c.AppsV1().ReplicaSets(ns)
	}),
	"services": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.ServiceList] {
		return c.CoreV1().Services(ns)
	}),
	"endpointslices": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*discoveryv1.EndpointSliceList] {
		return c.DiscoveryV1().EndpointSlices(ns)
	}),
	"ingresses": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*networkingv1.IngressList] {
		return c.NetworkingV1().Ingresses(ns)
	}),
	"configmaps": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.ConfigMapList] {
		return c.CoreV1().ConfigMaps(ns)
	}),
	"secrets": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.SecretList] { return c.CoreV1().Secrets(ns) }),
	"pvcs": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.PersistentVolumeClaimList] {
		return c.CoreV1().PersistentVolumeClaims(ns)
	}),
	"events": watchFrom(func(c kubernetes.Interface, ns string) listWatcher[*corev1.EventList] { return c.CoreV1().Events(ns) }),
	"nodes":  watchFrom(func(c kubernetes.Interface, _ string) listWatcher[*corev1.NodeList] { return c.CoreV1().Nodes() }),
}

// refreshAfter gathers a burst of changes (a rollout makes dozens) into one refresh.
const refreshAfter = 300 * time.Millisecond

// watchStream tells a page when objects of the kinds it shows change: "change" events
// name the kinds, and the page fetches itself again. "ready" says the watches run;
// "problem" says one could not (e.g. "forbidden: ...").
func (s *Server) watchStream(w http.ResponseWriter, r *http.Request, u *user) {
	ns := namespaceOf(r)
	var kinds []string
	for _, k := range strings.Split(r.URL.Query().Get("kinds"), ",") {
		if watchable[k] != nil && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		http.Error(w, "kinds= names nothing to watch", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	changed := make(chan string, 64)
	failed := make(chan error, len(kinds))
	started := make(chan struct{}, len(kinds))
	for _, k := range kinds {
		go follow(ctx, u.clients.Kube, k, ns, changed, failed, started)
	}
	es := startEvents(w)
	for range kinds {
		select {
		case <-started:
		case err := <-failed:
			if es.send("problem", apiMessage(err)) != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
	if es.send("ready", strings.Join(kinds, ",")) != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	pending := map[string]bool{}
	var flush <-chan time.Time
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case k := <-changed:
			pending[k] = true
			if flush == nil {
				flush = time.After(refreshAfter)
			}
		case <-flush:
			flush = nil
			err = es.send("change", strings.Join(sortedKeys(pending), ","))
			clear(pending)
		case e := <-failed:
			err = es.send("problem", apiMessage(e))
		case <-ping.C:
			err = es.ping()
		}
		if err != nil {
			return
		}
	}
}

// follow watches one kind until ctx ends, starting over when the API server ends the
// watch (it does every few minutes). A refusal (403, 401) ends it with an error.
func follow(ctx context.Context, c kubernetes.Interface, kind, ns string, changed chan<- string, failed chan<- error, started chan<- struct{}) {
	first := true
	for {
		wi, err := watchable[kind](ctx, c, ns)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || first {
				failed <- err
				return
			}
			time.Sleep(2 * time.Second)
			continue
		}
		if first {
			started <- struct{}{}
			first = false
		} else {
			// Changes between the old watch's end and the new one's start were not seen.
			select {
			case changed <- kind:
			case <-ctx.Done():
			}
		}
		for ev := range wi.ResultChan() {
			if ev.Type == watch.Error {
				break
			}
			if ev.Type != watch.Bookmark {
				select {
				case changed <- kind:
				default: // a refresh is coming anyway
				}
			}
		}
		wi.Stop()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
