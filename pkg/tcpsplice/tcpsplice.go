// Package tcpsplice joins two TCP connections byte for byte. It is the data path shared
// by kubelab-lb (API server load balancer) and the dashboard's kube-system relay.
package tcpsplice

import (
	"context"
	"io"
	"net"
)

// Join copies a→b and b→a until both directions end or ctx is done. When one direction
// reaches EOF its destination is half-closed, so the far side sees the end of that
// direction while the other keeps flowing (HTTP clients and TLS close_notify rely on it).
// Join does not close a or b; the caller does.
func Join(ctx context.Context, a, b net.Conn) {
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(b, a)
	go pipe(a, b)
	for i := 0; i < 2; i++ {
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}
