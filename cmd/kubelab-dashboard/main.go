// kubelab-dashboard is kubelab's learner dashboard (image kubelab/dashboard): a web UI
// over HTTPS that shows how a cluster's objects relate, live. Learners sign in with a
// bearer token, and every API call is made with that token alone. See pkg/dashboard.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubelab/kubelab/pkg/dashboard"
)

func main() {
	listen := flag.String("listen", ":8443", "address to serve HTTPS on")
	certFile := flag.String("tls-cert", "", "serving certificate (PEM); default: a self-signed one made at start")
	keyFile := flag.String("tls-key", "", "key of --tls-cert (PEM)")
	mirror := flag.String("mirror-endpoints", "", "NAMESPACE/NAME of Endpoints to keep pointing at this pod (POD_IP), for a selectorless Service elsewhere")
	mirrorPort := flag.Int("mirror-port", 8443, "port the mirrored Endpoints point at")
	kubeconfig := flag.String("kubeconfig", "", "outside a cluster: take the API server's address and CA from this file (never its credentials)")
	flag.Parse()

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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mirrorDone := make(chan struct{})
	if *mirror != "" {
		m, err := endpointsMirror(*mirror, podIP, int32(*mirrorPort))
		if err != nil {
			log.Fatal(err)
		}
		go func() { m.Run(ctx); close(mirrorDone) }()
	} else {
		close(mirrorDone)
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
	<-mirrorDone
}

// apiServer is where users' calls go: in a cluster, the in-cluster address and CA.
func apiServer(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return rest.InClusterConfig()
	}
	return clientcmd.BuildConfigFromFlags("", kubeconfig)
}

// endpointsMirror keeps NAMESPACE/NAME pointing at this pod with the pod's own
// ServiceAccount (allowed exactly that object).
func endpointsMirror(target, podIP string, port int32) (*dashboard.Mirror, error) {
	ns, name, ok := strings.Cut(target, "/")
	if !ok || ns == "" || name == "" {
		return nil, errors.New("--mirror-endpoints wants NAMESPACE/NAME, e.g. kube-system/kubernetes-dashboard")
	}
	if podIP == "" {
		return nil, errors.New("--mirror-endpoints needs POD_IP (the Deployment passes status.podIP)")
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "kubelab-dashboard"
	// Endpoints are deprecated in favour of EndpointSlices; the mirror uses them on purpose.
	cfg.WarningHandler = rest.NoWarnings{}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &dashboard.Mirror{Client: c, Namespace: ns, Name: name, IP: podIP, Port: port, Every: 15 * time.Second}, nil
}
