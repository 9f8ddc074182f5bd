// kubelab-echo is a tiny HTTP server for learning Kubernetes: it answers every request
// with what it received and where it runs (pod name, node), and logs each request. Run
// as "kubelab-echo get [-retry DURATION] URL" it is also a client, so a pod can test a Service from inside,
// and "kubelab-echo lookup [-retry DURATION] NAME" resolves a name through the pod's DNS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "get":
			os.Exit(get(os.Args[2:]))
		case "lookup":
			os.Exit(lookup(os.Args[2:]))
		}
	}
	addr := ":" + envOr("PORT", "8080")
	srv := &http.Server{Addr: addr, Handler: handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("kubelab-echo listening on %s", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func handler() http.Handler {
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s %s from %s", r.Method, r.Host, r.URL.RequestURI(), r.RemoteAddr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello from kubelab-echo\n\n")
		fmt.Fprintf(w, "pod:    %s\n", envOr("POD_NAME", host))
		if node := os.Getenv("NODE_NAME"); node != "" {
			fmt.Fprintf(w, "node:   %s\n", node)
		}
		fmt.Fprintf(w, "client: %s\n", r.RemoteAddr)
		fmt.Fprintf(w, "request: %s %s %s\n", r.Method, r.URL.RequestURI(), r.Proto)
		fmt.Fprintf(w, "host:   %s\n", r.Host)
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "header: %s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		if r.Body != nil {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if len(body) > 0 {
				fmt.Fprintf(w, "\n%s\n", body)
			}
		}
	})
	return mux
}

// get fetches each URL and prints the body; it exits 1 if any request fails. With
// -retry it tries each URL again every 100 ms for that long (a new Service takes a
// moment to be reachable everywhere).
func get(args []string) int {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	retry := fs.Duration("retry", 0, "keep trying each URL this long")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: kubelab-echo get [-retry DURATION] URL...")
		return 2
	}
	c := &http.Client{Timeout: 5 * time.Second}
	return eachWithRetry(fs.Args(), *retry, func(u string) error {
		body, err := fetch(c, u)
		if err == nil {
			_, _ = os.Stdout.Write(body)
		}
		return err
	})
}

// eachWithRetry runs try on each item, retrying every 100 ms until it succeeds or retry
// has passed since the start; it prints what failed and returns 1 if anything did.
func eachWithRetry(items []string, retry time.Duration, try func(string) error) int {
	deadline := time.Now().Add(retry)
	code := 0
	for _, item := range items {
		for {
			err := try(item)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "%s: %v\n", item, err)
				code = 1
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return code
}

func fetch(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return body, fmt.Errorf("%s", resp.Status)
	}
	return body, nil
}

// lookup resolves each name, retrying every 100 ms for up to -retry, and prints the
// addresses; it exits 1 if a name never resolves.
func lookup(args []string) int {
	fs := flag.NewFlagSet("lookup", flag.ContinueOnError)
	retry := fs.Duration("retry", 0, "keep trying this long")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: kubelab-echo lookup [-retry DURATION] NAME...")
		return 2
	}
	return eachWithRetry(fs.Args(), *retry, func(name string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupHost(ctx, name)
		if err == nil {
			fmt.Printf("%s: %s\n", name, strings.Join(addrs, " "))
		}
		return err
	})
}
