// kubelab-netpol enforces NetworkPolicy on every node (the add-on network-policy, a
// DaemonSet). The decisions are made by sigs.k8s.io/kube-network-policies' controller,
// imported as a library; kubelab diverts the packets to its queue with iptables' NFQUEUE
// target instead of nftables' queue statement, which kernels without nft_queue reject
// (see package netpol).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"

	"github.com/kubelab/kubelab/pkg/netpol"
)

func main() {
	queue := flag.Int("nfqueue-id", 100, "number of the NFQUEUE the packets to decide are sent to")
	klog.InitFlags(nil)
	flag.Parse()
	node := os.Getenv("NODE_NAME")
	if node == "" {
		log.Fatal("NODE_NAME is not set (the DaemonSet passes spec.nodeName)")
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatal(err)
	}
	cfg.UserAgent = "kubelab-netpol"
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, time.Minute)
	policies := factory.Networking().V1().NetworkPolicies()
	pods := factory.Core().V1().Pods()
	ctrl, err := networkpolicy.NewController(client, policies, factory.Core().V1().Namespaces(), pods,
		nil, nil, nil, nil, networkpolicy.Config{
			QueueID:  *queue,
			NodeName: node,
			// Only kernels before 6.12 race on DNS packets in conntrack; kubelab's nodes
			// share the host's kernel, and the workaround needs nft_queue as well.
			NetfilterBug1766Fix: false,
			// NRI stays on: it tells the controller a new pod's address before the API
			// server has it, and the controller only looks addresses up through it when NRI
			// is on.
		})
	if err != nil {
		log.Fatal(err)
	}
	// The controller also tries to load its own nftables table, which holds the queue
	// statement: on kernels without nft_queue that fails (it logs it and retries) and
	// nothing else depends on it, since netpol.Netfilter diverts the packets instead.
	go func() {
		if err := ctrl.Run(ctx); err != nil {
			log.Printf("network policy controller: %v", err)
			stop()
		}
	}()

	changed := make(chan struct{}, 1)
	poke := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{AddFunc: poke, DeleteFunc: poke, UpdateFunc: func(_, o any) { poke(o) }}
	for _, inf := range []cache.SharedIndexInformer{policies.Informer(), pods.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			log.Fatal(err)
		}
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	log.Printf("kubelab-netpol on node %s: NetworkPolicy decided through NFQUEUE %d", node, *queue)

	d := &netpol.Diverter{Dataplane: netpol.Netfilter{}, Queue: *queue}
	// The rules are checked again every minute, to repair them if anything removed them.
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
		pl, err1 := policies.Lister().List(labels.Everything())
		ps, err2 := pods.Lister().List(labels.Everything())
		if err1 != nil || err2 != nil {
			log.Printf("list: %v %v", err1, err2)
			continue
		}
		if err := d.Sync(netpol.Selected(pl, ps)); err != nil {
			log.Printf("sync: %v", err)
			time.AfterFunc(2*time.Second, func() { poke(nil) })
		}
	}
}
