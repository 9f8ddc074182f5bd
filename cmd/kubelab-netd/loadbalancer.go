package main

import (
	"context"
	"log"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"

	"github.com/kubelab/kubelab/pkg/servicelb"
)

// allocatorLease is the Lease electing the one netd that assigns LoadBalancer addresses.
const allocatorLease = "kubelab-netd-lb-allocator"

// runLoadBalancers serves LoadBalancer Services from pool until ctx ends: this node's
// heartbeat, its announcer, and (when elected) the allocator.
func runLoadBalancers(ctx context.Context, client kubernetes.Interface, node string, pool servicelb.Pool) {
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelab-netd", Host: node})

	factory := informers.NewSharedInformerFactory(client, time.Minute)
	services := factory.Core().V1().Services()
	nodes := factory.Core().V1().Nodes()
	slices := factory.Discovery().V1().EndpointSlices()
	beatFactory := informers.NewSharedInformerFactoryWithOptions(client, time.Minute,
		informers.WithNamespace(servicelb.HeartbeatNamespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = servicelb.HeartbeatLabel }))
	beats := beatFactory.Coordination().V1().Leases()

	changed := make(chan struct{}, 1)
	poke := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{AddFunc: poke, DeleteFunc: poke, UpdateFunc: func(_, o any) { poke(o) }}
	for _, inf := range []cache.SharedIndexInformer{services.Informer(), nodes.Informer(), slices.Informer(), beats.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			log.Fatal(err)
		}
	}
	factory.Start(ctx.Done())
	beatFactory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	beatFactory.WaitForCacheSync(ctx.Done())
	log.Printf("LoadBalancer Services get addresses from %s", pool.Prefix)

	// On the way out, wait for the heartbeat's delete and the allocator Lease's release:
	// the other nodes then take over at once.
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(2)
	go func() { defer wg.Done(); (&servicelb.Heartbeat{Client: client, Node: node}).Run(ctx) }()
	go func() { defer wg.Done(); runAllocator(ctx, client, node, pool, services, recorder) }()

	a := &servicelb.Announcer{Node: node, Pool: pool, Addrs: &servicelb.LinkAddresses{Pool: pool},
		Services: services.Lister(), Nodes: nodes.Lister(), Slices: slices.Lister(),
		Heartbeats: beats.Lister().Leases(servicelb.HeartbeatNamespace), Recorder: recorder}
	// Heartbeats expire without any event: look again every second.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := a.ReleaseAll(); err != nil {
				log.Printf("release LoadBalancer addresses: %v", err)
			}
			return
		case <-changed:
		case <-tick.C:
		}
		if err := a.Sync(); err != nil {
			log.Printf("LoadBalancer addresses: %v", err)
		}
	}
}

// runAllocator takes part in the election of the allocator and, while elected, assigns
// addresses; a new term starts with a fresh queue and every Service.
func runAllocator(ctx context.Context, client kubernetes.Interface, node string, pool servicelb.Pool,
	services coreinformers.ServiceInformer, recorder record.EventRecorder) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: servicelb.HeartbeatNamespace, Name: allocatorLease},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: node},
	}
	inf := services.Informer()
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(term context.Context) {
					log.Printf("assigning LoadBalancer addresses (elected)")
					alloc := &servicelb.Allocator{Pool: pool, Client: client, Recorder: recorder,
						Services: services.Lister()}
					reg, err := inf.AddEventHandler(alloc.Handler())
					if err != nil {
						log.Printf("allocator: %v", err)
						return
					}
					defer func() { _ = inf.RemoveEventHandler(reg) }()
					alloc.Run(term)
				},
				OnStoppedLeading: func() { log.Printf("no longer assigning LoadBalancer addresses") },
			},
		})
	}
}
