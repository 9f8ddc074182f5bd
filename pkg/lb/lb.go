// Package lb is the TCP load balancer in front of a cluster's control planes: each
// connection goes to the next healthy API server, round robin; a background check marks
// backends up or down so that a stopped control plane is skipped at once.
package lb

import (
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubelab/kubelab/pkg/tcpsplice"
)

// Balancer forwards TCP connections to a set of backends.
type Balancer struct {
	Backends    []string // host:port
	DialTimeout time.Duration
	// CheckInterval is how often each backend is probed with a TCP connect.
	CheckInterval time.Duration

	next    atomic.Uint64
	mu      sync.RWMutex
	healthy map[string]bool
}

func (b *Balancer) isHealthy(backend string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	h, known := b.healthy[backend]
	return h || !known // not probed yet: give it a chance
}

func (b *Balancer) setHealthy(backend string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.healthy == nil {
		b.healthy = map[string]bool{}
	}
	if was, known := b.healthy[backend]; !known || was != ok {
		log.Printf("backend %s healthy=%v", backend, ok)
	}
	b.healthy[backend] = ok
}

// Check probes every backend once.
func (b *Balancer) Check(ctx context.Context) {
	var wg sync.WaitGroup
	for _, be := range b.Backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := net.Dialer{Timeout: b.DialTimeout}
			c, err := d.DialContext(ctx, "tcp", be)
			if err == nil {
				c.Close()
			}
			b.setHealthy(be, err == nil)
		}()
	}
	wg.Wait()
}

// Serve accepts connections on l until ctx ends.
func (b *Balancer) Serve(ctx context.Context, l net.Listener) error {
	go func() {
		t := time.NewTicker(b.CheckInterval)
		defer t.Stop()
		for {
			b.Check(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go b.handle(ctx, conn)
	}
}

// dial connects to the next healthy backend, trying each at most once; backends marked
// down are tried last.
func (b *Balancer) dial(ctx context.Context) (net.Conn, error) {
	n := len(b.Backends)
	if n == 0 {
		return nil, errors.New("no backends")
	}
	start := int(b.next.Add(1))
	var order, down []string
	for i := 0; i < n; i++ {
		be := b.Backends[(start+i)%n]
		if b.isHealthy(be) {
			order = append(order, be)
		} else {
			down = append(down, be)
		}
	}
	var lastErr error
	for _, be := range append(order, down...) {
		d := net.Dialer{Timeout: b.DialTimeout}
		c, err := d.DialContext(ctx, "tcp", be)
		if err == nil {
			return c, nil
		}
		b.setHealthy(be, false)
		lastErr = err
	}
	return nil, lastErr
}

func (b *Balancer) handle(ctx context.Context, client net.Conn) {
	defer client.Close()
	backend, err := b.dial(ctx)
	if err != nil {
		log.Printf("no backend for %s: %v", client.RemoteAddr(), err)
		return
	}
	defer backend.Close()
	tcpsplice.Join(ctx, client, backend)
}
