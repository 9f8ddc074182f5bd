// Package apiproxy serves a cluster's API on a local port the way `kubectl proxy` does,
// inside the kubelab process: requests to http://127.0.0.1:<port>/ reach the API server
// with the cluster's admin credentials, so the classic proxy URLs of the tutorials work
// without a kubectl on the machine.
package apiproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/proxy"
)

// Proxy is a running API proxy.
type Proxy struct {
	URL    string // http://127.0.0.1:<port>
	server *http.Server
	done   chan error
}

// Filter is kubectl proxy's default request filter: only requests addressed to localhost
// (a web page elsewhere cannot use the proxy through DNS rebinding), and no exec or attach
// into pods through it.
func Filter() (*proxy.FilterServer, error) {
	var f proxy.FilterServer
	var err error
	if f.AcceptPaths, err = proxy.MakeRegexpArray(proxy.DefaultPathAcceptRE); err != nil {
		return nil, err
	}
	if f.RejectPaths, err = proxy.MakeRegexpArray(proxy.DefaultPathRejectRE); err != nil {
		return nil, err
	}
	if f.AcceptHosts, err = proxy.MakeRegexpArray(proxy.DefaultHostAcceptRE); err != nil {
		return nil, err
	}
	if f.RejectMethods, err = proxy.MakeRegexpArray(proxy.DefaultMethodRejectRE); err != nil {
		return nil, err
	}
	return &f, nil
}

// Handler proxies every path to the API server of cfg, behind Filter.
func Handler(cfg *rest.Config) (http.Handler, error) {
	filter, err := Filter()
	if err != nil {
		return nil, err
	}
	return proxy.NewProxyHandler("/", filter, cfg, 0, false)
}

// Start listens on 127.0.0.1:port (a free port when port is 0) and serves the proxy until
// Stop or the context ends. A port in use is one clear error.
func Start(ctx context.Context, cfg *rest.Config, port int) (*Proxy, error) {
	h, err := Handler(cfg)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("cannot serve the API proxy on 127.0.0.1:%d (%v): choose another port with --port, or leave it out for a free one", port, err)
	}
	p := &Proxy{
		URL:    "http://" + l.Addr().String(),
		server: &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second},
		done:   make(chan error, 1),
	}
	go func() {
		err := p.server.Serve(l)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		p.done <- err
	}()
	go func() {
		<-ctx.Done()
		p.Stop()
	}()
	return p, nil
}

// Stop closes the listener and every open connection.
func (p *Proxy) Stop() { _ = p.server.Close() }

// Wait returns when the proxy has stopped, with the error that stopped it, if any.
func (p *Proxy) Wait() error { return <-p.done }
