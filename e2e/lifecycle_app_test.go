//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// lifecycleApp is what the lifecycle tests (stop/start, a Docker daemon restart) put on
// a 1+1 or an HA 3+1 cluster and check again once the cluster is back: the echo server on
// the worker behind a NodePort Service and an Ingress routed by host name, and a file on
// a PersistentVolume. The Ingress is reached on port 80 of the node Traefik runs on (the
// Ingress's ADDRESS: `kubelab ip` on a single control plane) and of Traefik's
// LoadBalancer EXTERNAL-IP.
type lifecycleApp struct {
	c           *testCluster
	nodePortURL string
	ingressURLs []string
}

// lifecycleHost is the host name the app's Ingress routes.
const lifecycleHost = "web.example"

// echoGreeting is what kubelab-echo answers.
const echoGreeting = "Hello from kubelab-echo"

// deployLifecycleApp deploys the app, writes the file and checks that the app answers
// through the NodePort and the Ingress.
func deployLifecycleApp(t *testing.T, ctx context.Context, c *testCluster) *lifecycleApp {
	t.Helper()
	deployEcho(t, ctx, c.cs, "web", c.name+"-worker")
	nodePort := exposeNodePort(t, ctx, c, "web")
	ip := c.ip(t)
	a := &lifecycleApp{c: c, nodePortURL: fmt.Sprintf("http://%s:%d/", ip, nodePort)}
	c.kubectl(t, "create", "ingress", "web", "--rule="+lifecycleHost+"/*=web:80")
	const anIP = `^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`
	address := strings.TrimSpace(c.waitKubectl(t, anIP, "get", "ingress/web", "-o", "go-template={{range .status.loadBalancer.ingress}}{{.ip}}{{end}}"))
	external := strings.TrimSpace(c.waitKubectl(t, anIP, "get", "-n", "ingress", "service/traefik", "-o", "go-template={{range .status.loadBalancer.ingress}}{{.ip}}{{end}}"))
	a.ingressURLs = []string{"http://" + address + "/", "http://" + external + "/"}
	c.apply(t, pvWriter)
	c.waitKubectl(t, `Succeeded`, "get", "pod/writer", "-o", "go-template={{.status.phase}}")
	if err := a.waitAnswers(time.Minute); err != nil {
		t.Fatalf("before the test: %v", err)
	}
	return a
}

// waitAnswers waits until the app answers from the host both through the NodePort and
// through the Ingress, and says what did not.
func (a *lifecycleApp) waitAnswers(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if err := waitHTTP(a.nodePortURL, "", echoGreeting, time.Until(deadline)); err != nil {
		return fmt.Errorf("NodePort: %w", err)
	}
	for _, u := range a.ingressURLs {
		if err := waitHTTP(u, lifecycleHost, echoGreeting, time.Until(deadline)); err != nil {
			return fmt.Errorf("Ingress (Host %s): %w", lifecycleHost, err)
		}
	}
	return nil
}

// checkFile reads the file back from the PersistentVolume in a new pod called reader.
func (a *lifecycleApp) checkFile(t *testing.T, reader string) {
	t.Helper()
	a.c.apply(t, strings.ReplaceAll(strings.ReplaceAll(pvWriter[strings.Index(pvWriter, "---"):], "writer", reader),
		"echo kept-on-disk > /data/file", "cat /data/file"))
	a.c.waitKubectl(t, `Succeeded`, "get", "pod/"+reader, "-o", "go-template={{.status.phase}}")
	if out := a.c.kubectl(t, "logs", reader); strings.TrimSpace(out) != "kept-on-disk" {
		t.Errorf("%s read %q from the volume", reader, out)
	}
}

// waitNodesReady waits until the API answers and every node of the cluster is Ready,
// and every pod labelled app=web is ready.
func (a *lifecycleApp) waitNodesReady(t *testing.T, ctx context.Context, timeout time.Duration) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		nodes, err := a.c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, n := range nodes.Items {
			if !nodeReady(&n) {
				last = "node " + n.Name + " not Ready"
				return false, nil
			}
		}
		pods, err := a.c.cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(pods.Items) == 0 || !podIsReady(&pods.Items[0]) {
			last = fmt.Sprintf("app pod not ready (%v)", err)
			return false, nil
		}
		return len(nodes.Items) > 0, nil
	})
	if err != nil {
		describePods(t, ctx, a.c.cs, "default")
		t.Fatalf("cluster %s not ready within %s: %s", a.c.name, timeout, last)
	}
}

// waitHTTP fetches url from the host (with a Host header if host is not empty) until a
// 200 answer contains want, and returns the last failure if none did within timeout.
// Each request is a new connection, as each curl of a learner is: a kept-alive one would
// stay with the pod it first reached (conntrack keeps an established flow on its
// endpoint), which is not what "the Service answers from the new pods" means.
func waitHTTP(url, host, want string, timeout time.Duration) error {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{ServerName: host, InsecureSkipVerify: true}}}
	last := "no attempt"
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := c.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.Contains(string(body), want) {
			return nil
		}
		last = fmt.Sprintf("status %d: %.200s", resp.StatusCode, body)
	}
	return fmt.Errorf("GET %s never answered %q within %s; last: %s", url, want, timeout, last)
}
