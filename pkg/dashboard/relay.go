package dashboard

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/kubelab/kubelab/pkg/tcpsplice"
)

// Relay copies every TCP connection accepted on l to the address to, byte for byte (TLS
// passes through untouched), until ctx ends. The add-on runs one in kube-system so that
// older tutorials' URL, /api/v1/namespaces/kube-system/services/https:kubernetes-dashboard:/proxy/,
// reaches the dashboard: the API server's service proxy only forwards to pods in the
// Service's own namespace, so a Service there cannot point at the dashboard's pod.
func Relay(ctx context.Context, l net.Listener, to string, logger *log.Logger) error {
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relayOne(ctx, c, to, logger)
		}()
	}
}

func relayOne(ctx context.Context, c net.Conn, to string, logger *log.Logger) {
	defer c.Close()
	d := net.Dialer{Timeout: 5 * time.Second}
	up, err := d.DialContext(ctx, "tcp", to)
	if err != nil {
		logger.Printf("relay %s → %s: %v", c.RemoteAddr(), to, err)
		return
	}
	defer up.Close()
	tcpsplice.Join(ctx, c, up)
}
