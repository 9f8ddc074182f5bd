// kubelab-netd is the pod network of kubelab clusters, run on every node by a
// DaemonSet: it writes the node's CNI configuration, routes pod ranges between nodes and
// masquerades traffic leaving the pod network. It reacts to Node changes as they happen
// (an informer), so a new node is routable as soon as it has a pod range. Given
// --lb-range, it also gives LoadBalancer Services addresses that answer (loadbalancer.go,
// pkg/servicelb).
package main

import (
	"context"
	"flag"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/kubelab/kubelab/pkg/netd"
	"github.com/kubelab/kubelab/pkg/servicelb"
)

func main() {
	clusterCIDR := flag.String("cluster-cidr", "10.244.0.0/16", "the cluster's pod range")
	serviceCIDR := flag.String("service-cidr", "", "the cluster's Service range: traffic to it that no Service port matches is rejected")
	lbRange := flag.String("lb-range", "", "the cluster's block of the node network for LoadBalancer Services (none: they stay pending)")
	cniConf := flag.String("cni-conf", "/etc/cni/net.d/10-kubelab.conflist", "CNI configuration file to write")
	flag.Parse()
	node := os.Getenv("NODE_NAME")
	if node == "" {
		log.Fatal("NODE_NAME is not set (the DaemonSet passes spec.nodeName)")
	}
	cidr, err := netip.ParsePrefix(*clusterCIDR)
	if err != nil {
		log.Fatalf("--cluster-cidr: %v", err)
	}
	var svc netip.Prefix
	if *serviceCIDR != "" {
		if svc, err = netip.ParsePrefix(*serviceCIDR); err != nil {
			log.Fatalf("--service-cidr: %v", err)
		}
	}
	var pool servicelb.Pool
	if *lbRange != "" {
		if pool.Prefix, err = netip.ParsePrefix(*lbRange); err != nil || !pool.Prefix.Addr().Is4() {
			log.Fatalf("--lb-range: %q is not an IPv4 prefix", *lbRange)
		}
		pool.Prefix = pool.Prefix.Masked()
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatal(err)
	}
	cfg.UserAgent = "kubelab-netd"
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	d := &netd.Daemon{NodeName: node, ClusterCIDR: cidr.Masked(), ServiceCIDR: svc.Masked(), CNIConfPath: *cniConf,
		Routes: netd.NetlinkRoutes{}, Masq: netd.IPTablesMasq{}, Guard: netd.IPTablesServiceGuard{}}

	// A full resync every minute repairs anything changed behind netd's back.
	factory := informers.NewSharedInformerFactory(client, time.Minute)
	nodes := factory.Core().V1().Nodes()
	changed := make(chan struct{}, 1)
	poke := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: poke, DeleteFunc: poke, UpdateFunc: func(_, n any) { poke(n) },
	}); err != nil {
		log.Fatal(err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	log.Printf("kubelab-netd on node %s, pod network %s", node, cidr)

	lbDone := make(chan struct{})
	if pool.Prefix.IsValid() {
		go func() { runLoadBalancers(ctx, client, node, pool); close(lbDone) }()
	} else {
		close(lbDone)
	}
	for {
		select {
		case <-ctx.Done():
			<-lbDone // it gives up this node's addresses and heartbeat
			return
		case <-changed:
		}
		list, err := nodes.Lister().List(labels.Everything())
		if err != nil {
			log.Printf("list nodes: %v", err)
			continue
		}
		if err := d.Sync(list); err != nil {
			log.Printf("sync: %v", err)
			// Try again soon: a Node update may not come for a while.
			time.AfterFunc(2*time.Second, func() { poke(nil) })
		}
	}
}
