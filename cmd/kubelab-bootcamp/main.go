// kubelab-bootcamp is the app of the "Kubernetes Basics" tutorial: it answers on port
// 8080 with its version and the pod it runs in, so learners can watch a rolling update
// (v1 → v2) and a rollback. Its image carries busybox, so `kubectl exec -ti POD -- sh`
// and `wget -qO- localhost:8080` work inside the pod.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time (-X main.version=2).
var version = "1"

func main() {
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s from %s", r.Method, r.URL.RequestURI(), r.RemoteAddr)
		fmt.Fprint(w, greeting(host))
	})
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Stop cleanly when Kubernetes asks (SIGTERM): the pod ends as Completed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("Kubernetes Bootcamp App v%s started on %s, port 8080", version, host)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func greeting(host string) string {
	return fmt.Sprintf("Hello Kubernetes bootcamp! | Running on: %s | v=%s\n", host, version)
}
