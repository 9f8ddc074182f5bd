// kubelab-dashboard is kubelab's learner dashboard (image kubelab/dashboard): a web UI
// over HTTPS that shows how a cluster's objects relate, live. Learners sign in with a
// bearer token, and every API call is made with that token alone. See pkg/dashboard.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubelab/kubelab/pkg/dashboard"
)

func main() {
	listen := flag.String("listen", ":8443", "address to serve HTTPS on")
	certFile := flag.String("tls-cert", "", "serving certificate (PEM); default: a self-signed one made at start")
	keyFile := flag.String("tls-key", "", "key of --tls-cert (PEM)")
	relayTo := flag.String("relay-to", "", "HOST:PORT: only relay TCP connections from --listen there (the kube-system entrance), no dashboard")
	kubeconfig := flag.String("kubeconfig", "", "outside a cluster: take the API server's address and CA from this file (never its credentials)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *relayTo != "" {
		l, err := net.Listen("tcp", *listen)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("kubelab-dashboard relaying %s → %s", *listen, *relayTo)
		if err := dashboard.Relay(ctx, l, *relayTo, log.Default()); err != nil {
			log.Fatal(err)
		}
		return
	}

	base, err := apiServer(*kubeconfig)
	if err != nil {
		log.Fatal(err)
	}
	podIP := os.Getenv("POD_IP")
	cert, err := dashboard.ServingCertificate(*certFile, *keyFile, podIP)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := dashboard.New(dashboard.Options{Clients: dashboard.TokenClients(base)})
	if err != nil {
		log.Fatal(err)
	}

	hs := &http.Server{
		Addr: *listen, Handler: srv, TLSConfig: dashboard.TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		// No WriteTimeout: event streams (live pages, logs) stay open.
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	log.Printf("kubelab-dashboard on https://%s, API server %s", *listen, base.Host)
	if err := hs.ListenAndServeTLS("", ""); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// apiServer is where users' calls go: in a cluster, the in-cluster address and CA.
func apiServer(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return rest.InClusterConfig()
	}
	return clientcmd.BuildConfigFromFlags("", kubeconfig)
}
