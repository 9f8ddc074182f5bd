package apiproxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// The proxy forwards a request with the configured credentials, and refuses what kubectl
// proxy refuses: other Host headers and exec into pods.
func TestProxyForwardsWithCredentialsAndFilters(t *testing.T) {
	var gotAuth, gotPath string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath = r.Header.Get("Authorization"), r.URL.Path
		_, _ = io.WriteString(w, "ok from api")
	}))
	defer api.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := Start(ctx, &rest.Config{Host: api.URL, BearerToken: "admin-token"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q", p.URL)
	}
	path := "/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/"
	resp, err := http.Get(p.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok from api" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if gotAuth != "Bearer admin-token" || gotPath != path {
		t.Fatalf("API saw auth %q path %q", gotAuth, gotPath)
	}

	req, _ := http.NewRequest("GET", p.URL+"/api/v1/namespaces", nil)
	req.Host = "evil.example"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: status %d, want 403", resp.StatusCode)
	}
	resp, err = http.Post(p.URL+"/api/v1/namespaces/default/pods/x/exec", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("exec: status %d, want 403", resp.StatusCode)
	}

	cancel()
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}

// A port already in use is a clear error naming the flag to change.
func TestStartOnBusyPort(t *testing.T) {
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	port := busy.Listener.Addr().(*net.TCPAddr).Port
	_, err := Start(context.Background(), &rest.Config{Host: "http://127.0.0.1:1"}, port)
	if err == nil || !strings.Contains(err.Error(), "--port") {
		t.Fatalf("err = %v", err)
	}
}
