package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/kubelab/kubelab/pkg/dashboard/graph"
)

// graphPage is the live picture of a namespace; the page's script draws what
// api/graph streams.
func (s *Server) graphPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Graph", "graph", true)
	p.Data = link("api/graph", "ns", p.NS)
	s.render(w, http.StatusOK, "graph.html", p)
}

// graphKinds are what the picture is made of, with the call that tells whether the user
// may read them. An informer on a kind the user may not list would retry for ever.
var graphKinds = []struct {
	name    string
	cluster bool
	probe   func(ctx context.Context, c kubernetes.Interface, ns string) error
}{
	{"pods", false, func(ctx context.Context, c kubernetes.Interface, ns string) error {
		_, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
	{"replicasets", false, func(ctx context.Context, c kubernetes.Interface, ns string) error {
		_, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
	{"deployments", false, func(ctx context.Context, c kubernetes.Interface, ns string) error {
		_, err := c.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
	{"services", false, func(ctx context.Context, c kubernetes.Interface, ns string) error {
		_, err := c.CoreV1().Services(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
	{"ingresses", false, func(ctx context.Context, c kubernetes.Interface, ns string) error {
		_, err := c.NetworkingV1().Ingresses(ns).List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
	{"nodes", true, func(ctx context.Context, c kubernetes.Interface, _ string) error {
		_, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 1})
		return err
	}},
}

// graphStream sends the namespace's picture as a "graph" event (JSON of graph.Graph) at
// once and again whenever it changes, from informers that run with the user's token.
func (s *Server) graphStream(w http.ResponseWriter, r *http.Request, u *user) {
	ns := namespaceOf(r)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	kube := u.clients.Kube

	var notes []string
	readable := map[string]bool{}
	probeCtx, probeDone := context.WithTimeout(ctx, s.opts.Timeout)
	for _, k := range graphKinds {
		err := k.probe(probeCtx, kube, ns)
		if err != nil && s.refused(w, r, u, err) {
			probeDone()
			return
		}
		if err != nil {
			notes = append(notes, k.name+": "+apiMessage(err))
			continue
		}
		readable[k.name] = true
	}
	probeDone()

	es := startEvents(w)
	poke := make(chan struct{}, 1)
	onChange := func(any) {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{AddFunc: onChange, DeleteFunc: onChange, UpdateFunc: func(_, o any) { onChange(o) }}
	inNS := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns), informers.WithTransform(slim))
	cluster := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithTransform(slim))
	defer inNS.Shutdown()
	defer cluster.Shutdown()
	defer cancel() // runs before Shutdown: informers stop, then Shutdown waits for them

	var read func() graph.Objects
	{
		pods, rss, deps := inNS.Core().V1().Pods(), inNS.Apps().V1().ReplicaSets(), inNS.Apps().V1().Deployments()
		svcs, ings, nodes := inNS.Core().V1().Services(), inNS.Networking().V1().Ingresses(), cluster.Core().V1().Nodes()
		// Asking a factory for an informer registers it: ask only for the readable ones.
		informersOf := map[string]func() cache.SharedIndexInformer{
			"pods": pods.Informer, "replicasets": rss.Informer, "deployments": deps.Informer,
			"services": svcs.Informer, "ingresses": ings.Informer, "nodes": nodes.Informer,
		}
		for name, inf := range informersOf {
			if !readable[name] {
				continue
			}
			if _, err := inf().AddEventHandler(handler); err != nil {
				es.send("problem", err.Error())
				return
			}
		}
		read = func() graph.Objects {
			var o graph.Objects
			all := labels.Everything()
			if readable["pods"] {
				o.Pods, _ = pods.Lister().List(all)
			}
			if readable["replicasets"] {
				o.ReplicaSets, _ = rss.Lister().List(all)
			}
			if readable["deployments"] {
				o.Deployments, _ = deps.Lister().List(all)
			}
			if readable["services"] {
				o.Services, _ = svcs.Lister().List(all)
			}
			if readable["ingresses"] {
				o.Ingresses, _ = ings.Lister().List(all)
			}
			if readable["nodes"] {
				o.Nodes, _ = nodes.Lister().List(all)
			}
			return o
		}
	}
	inNS.Start(ctx.Done())
	cluster.Start(ctx.Done())
	inNS.WaitForCacheSync(ctx.Done())
	cluster.WaitForCacheSync(ctx.Done())

	linker := func(kind, ns, name string) string { return string(objectLink(kind, ns, name)) }
	var last []byte
	sendGraph := func() error {
		g := graph.Build(ns, read(), graph.DefaultLimits, linker, notes)
		b, err := json.Marshal(g)
		if err != nil || bytes.Equal(b, last) {
			return err
		}
		last = b
		return es.send("graph", string(b))
	}
	if sendGraph() != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-poke:
			// Let a burst of changes (a scale-up) settle into one picture.
			time.Sleep(refreshAfter)
			select {
			case <-poke:
			default:
			}
			err = sendGraph()
		case <-ping.C:
			err = es.ping()
		}
		if err != nil {
			return
		}
	}
}

// slim drops what the picture never reads before informers cache an object: the
// dashboard runs in a few tens of MiB, and a pod's managed fields and volumes are most of it.
func slim(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
		if rev, ok := m.GetAnnotations()[revisionAnnotation]; ok {
			m.SetAnnotations(map[string]string{revisionAnnotation: rev})
		} else {
			m.SetAnnotations(nil)
		}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		o.Spec.Volumes = nil
		for i := range o.Spec.Containers {
			c := &o.Spec.Containers[i]
			c.Env, c.EnvFrom, c.VolumeMounts, c.Command, c.Args = nil, nil, nil, nil, nil
		}
	case *appsv1.Deployment:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *appsv1.ReplicaSet:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *corev1.Node:
		o.Status.Images = nil
	case *networkingv1.Ingress:
	}
	return obj, nil
}
