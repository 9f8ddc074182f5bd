//go:build e2e

package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpGetRetry fetches url from the host, retrying for a few seconds while kube-proxy
// programs a new Service. Each request is a new connection, as each curl of a learner
// is: http.DefaultTransport would keep one alive across calls, and a kept-alive
// connection stays with the pod it first reached (conntrack keeps an established flow on
// its endpoint), so a check for the new pods after a rolling update could read an old pod
// for as long as it takes to terminate.
func httpGetRetry(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		resp, err := c.Get(url)
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	t.Errorf("GET %s: %v", url, last)
	return ""
}

// httpGetUntil fetches url from the host until the body contains want (30 s at most)
// and returns the last body.
func httpGetUntil(t *testing.T, url, want string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if body = httpGetRetry(t, url); strings.Contains(body, want) {
			break
		}
	}
	return body
}

// httpGetHost fetches url from the host with a Host header (and, for https, that name
// in TLS's SNI) until it answers with status, and returns the body.
func httpGetHost(t *testing.T, url, host string, status int) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		// Traefik's own certificate: no CA to check it against.
		TLSClientConfig: &tls.Config{ServerName: host, InsecureSkipVerify: true},
	}}
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Host = host
		resp, err := c.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == status {
			return string(body)
		}
		last = fmt.Sprintf("status %d: %s", resp.StatusCode, body)
	}
	t.Errorf("GET %s (Host %s): never status %d; last: %s", url, host, status, last)
	return ""
}

// freeHostPort finds a free port on 127.0.0.1 for a port mapping.
func freeHostPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// listenBusy holds a port on 127.0.0.1 so that publishing the API server there fails.
func listenBusy() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func portOf(l net.Listener) string { return strconv.Itoa(l.Addr().(*net.TCPAddr).Port) }
