// kubelab-lb balances TCP connections over a cluster's API servers; kubelab runs it in
// a container in front of clusters with more than one control plane.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kubelab/kubelab/pkg/lb"
)

func main() {
	listen := flag.String("listen", ":6443", "address to listen on")
	backends := flag.String("backends", "", "comma-separated host:port list of API servers")
	flag.Parse()
	if *backends == "" {
		log.Fatal("--backends is empty")
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &lb.Balancer{Backends: strings.Split(*backends, ","), DialTimeout: time.Second, CheckInterval: time.Second}
	log.Printf("kubelab-lb on %s → %s", *listen, *backends)
	if err := b.Serve(ctx, l); err != nil {
		log.Fatal(err)
	}
}
