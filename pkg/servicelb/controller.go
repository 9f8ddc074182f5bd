package servicelb

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// Allocator gives served LoadBalancer Services their address. Only one runs at a time
// in a cluster (leader election), so two Services never get the same address.
type Allocator struct {
	Pool     Pool
	Client   kubernetes.Interface
	Services corelisters.ServiceLister
	Recorder record.EventRecorder

	mu sync.Mutex
	// assumed holds the address written for a Service until the informer shows it, so
	// that quick successive allocations do not hand out the same address twice.
	assumed map[string]netip.Addr
	queue   workqueue.TypedRateLimitingInterface[string]
}

// Handler is the Service informer's event handler: every change queues the Service,
// and a change that may free an address (a delete, a type change) queues every Service,
// so a Service waiting for an address gets the freed one.
func (a *Allocator) Handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { a.enqueue(obj) },
		UpdateFunc: func(old, obj any) {
			a.enqueue(obj)
			if o, n := old.(*corev1.Service), obj.(*corev1.Service); Served(o) && !Served(n) {
				a.enqueueAll()
			}
		},
		DeleteFunc: func(obj any) {
			if k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				a.forget(k)
			}
			a.enqueueAll()
		},
	}
}

func (a *Allocator) init() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queue == nil {
		a.queue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
		a.assumed = map[string]netip.Addr{}
	}
}

func (a *Allocator) enqueue(obj any) {
	a.init()
	if k, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		a.queue.Add(k)
	}
}

func (a *Allocator) enqueueAll() {
	list, err := a.Services.List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range list {
		a.enqueue(s)
	}
}

func (a *Allocator) forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.assumed, key)
}

// Run works through the queue until ctx ends. Call it once the informer has synced.
func (a *Allocator) Run(ctx context.Context) {
	a.init()
	a.enqueueAll()
	go func() {
		<-ctx.Done()
		a.queue.ShutDown()
	}()
	for {
		key, quit := a.queue.Get()
		if quit {
			return
		}
		if err := a.Sync(ctx, key); err != nil {
			log.Printf("LoadBalancer %s: %v", key, err)
			a.queue.AddRateLimited(key)
		} else {
			a.queue.Forget(key)
		}
		a.queue.Done(key)
	}
}

// Sync brings one Service's status in line with its decision.
func (a *Allocator) Sync(ctx context.Context, key string) error {
	a.init()
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	svc, err := a.Services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		a.forget(key)
		return nil // its address is free again: nothing claims it any more
	}
	if err != nil {
		return err
	}
	all, err := a.Services.List(labels.Everything())
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.pruneAssumed(all)
	claims := a.Pool.Claims(all, a.assumed)
	a.mu.Unlock()

	d := a.Pool.Decide(svc, claims)
	want := a.Pool.Status(svc, d)
	had := a.Pool.IngressIPs(svc)
	if !SameIPs(want, svc.Status.LoadBalancer) {
		upd := svc.DeepCopy()
		upd.Status.LoadBalancer = want
		if _, err := a.Client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("update status: %w", err)
		}
		a.mu.Lock()
		a.assumed[key] = d.IP
		a.mu.Unlock()
		switch {
		case d.IP.IsValid():
			a.Recorder.Eventf(svc, corev1.EventTypeNormal, ReasonAllocated, "Assigned IP %s from %s", d.IP, a.Pool.Prefix)
		case len(had) > 0:
			a.Recorder.Eventf(svc, corev1.EventTypeNormal, ReasonReleased, "Released IP %s", had[0])
		}
	}
	if d.Reason != "" {
		typ := corev1.EventTypeNormal
		if d.Warning {
			typ = corev1.EventTypeWarning
		}
		a.Recorder.Event(svc, typ, d.Reason, d.Message)
	}
	return nil
}

// pruneAssumed drops assumptions the informer has caught up with (or that a Service's
// later change made moot).
func (a *Allocator) pruneAssumed(all []*corev1.Service) {
	seen := map[string]bool{}
	for _, s := range all {
		k := Key(s)
		seen[k] = true
		want, ok := a.assumed[k]
		if !ok {
			continue
		}
		ips := a.Pool.IngressIPs(s)
		if (want.IsValid() && len(ips) == 1 && ips[0] == want) || (!want.IsValid() && len(ips) == 0) {
			delete(a.assumed, k)
		}
	}
	for k := range a.assumed {
		if !seen[k] {
			delete(a.assumed, k)
		}
	}
}
