//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSoak creates and deletes a 1+1 cluster KUBELAB_SOAK times (`make soak`: 10, `make
// test`: 2), walking a short tutorial on each (deploy, NodePort from the host, `kubectl
// logs` of the pod on the worker, a rolling update after which the NodePort answers from
// the new pods), then checks that the delete left nothing: containers, volumes, the
// network if unused, kubeconfig entries, files named after the cluster, host iptables
// rules. Any failure, even one that goes away on retry, fails the test, with its text:
// issue 13 item 8 saw `kubectl logs` fail once and a NodePort answer late once.
func TestSoak(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("KUBELAB_SOAK"))
	if err != nil || n < 1 {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must set KUBELAB_SOAK to a number of cycles (make test does)")
		}
		t.Skip("set KUBELAB_SOAK=N to run N create/delete cycles (make soak)")
	}
	api := requireDocker(t)
	for i := 1; i <= n; i++ {
		if !t.Run(fmt.Sprintf("cycle %d", i), func(t *testing.T) {
			before := snapshotHost(t)
			c := &testCluster{name: uniqueName("pf-soak"), kubeconfig: tempKubeconfig(t)}
			c.env = []string{"KUBECONFIG=" + c.kubeconfig}
			began := time.Now()
			cleaned := false
			t.Cleanup(func() {
				if !cleaned {
					kubelab(t, c.env, "delete", "cluster", "--name", c.name)
				}
			})
			// --retain: a failed create keeps its nodes, for `kubelab export logs`.
			if r := kubelab(t, c.env, "create", "cluster", "--image", nodeImage, "--config", writeOneWorkerConfig(t, c.name),
				"--wait", "5m", "--retain"); r.err != nil {
				dir, _ := os.MkdirTemp("", "kubelab-soak-logs-")
				kubelab(t, c.env, "export", "logs", "--name", c.name, dir)
				kubelab(t, c.env, "kubectl", "--name", c.name, "--", "get", "nodes,pods", "-A", "-o", "wide")
				t.Fatalf("create: %v (logs of its nodes in %s)\n%s", r.err, dir, r.stderr)
			}
			c.cs = clientset(t, c.kubeconfig, c.name)
			ips := nodeAddresses(t, api, c.name)
			server := kubeconfigServer(t, c)
			apiPort := server[strings.LastIndex(server, ":")+1:]
			soakWalk(t, c)
			r := kubelab(t, c.env, "delete", "cluster", "--name", c.name)
			cleaned = true
			if r.err != nil {
				t.Fatalf("delete: %v\n%s", r.err, r.stderr)
			}
			assertNothingLeft(t, api, c.kubeconfig, c.name)
			assertNoHostLeaks(t, before, c.name, ips, apiPort)
			t.Logf("FIGURE soak cycle %d: %.1fs", i, time.Since(began).Seconds())
		}) {
			t.FailNow()
		}
	}
}

// soakWalk is the soak's short tutorial, through `kubelab kubectl` as a learner runs it.
func soakWalk(t *testing.T, c *testCluster) {
	t.Helper()
	c.kubectl(t, "create", "deployment", "kubernetes-bootcamp", "--image=kubelab/bootcamp:v1")
	c.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	c.kubectl(t, "expose", "deployment/kubernetes-bootcamp", "--type=NodePort", "--port", "8080")
	np := strings.Trim(c.kubectl(t, "get", "services/kubernetes-bootcamp", "-o", "go-template={{(index .spec.ports 0).nodePort}}"), "'\n ")
	url := "http://" + c.ip(t) + ":" + np + "/"
	if err := waitHTTP(url, "", "v=1", 30*time.Second); err != nil {
		t.Errorf("NodePort of v1: %v", err)
	}

	pod := c.kubectl(t, "get", "pods", "-l", "app=kubernetes-bootcamp", "-o", "go-template={{range .items}}{{.metadata.name}} {{.spec.nodeName}}{{end}}")
	fields := strings.Fields(pod)
	if len(fields) != 2 || fields[1] != c.name+"-worker" {
		t.Fatalf("want one bootcamp pod on the worker, got %q", pod)
	}
	// The first try is what a learner sees: its failure is a failure even if a retry works.
	r := kubelab(t, c.env, "kubectl", "--name", c.name, "--", "logs", fields[0])
	if r.err != nil || !strings.Contains(r.stdout, "Kubernetes Bootcamp App v1 started") {
		t.Errorf("kubectl logs %s (on the worker): %v\nstdout: %q\nstderr: %q", fields[0], r.err, r.stdout, r.stderr)
		c.waitKubectl(t, "App v1 started", "logs", fields[0])
	}

	c.kubectl(t, "set", "image", "deployments/kubernetes-bootcamp", "bootcamp=kubelab/bootcamp:v2")
	c.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	// Old pods answer v=1 while they terminate; within 20 s only the new ones may. The
	// trace (each change of answer, with its time) tells a slow kube-proxy (v=1 from the
	// old pod, or no answer, for long) from a slow rollout.
	took, trace := traceHTTP(url, "v=2", time.Minute)
	if took < 0 || took > 20*time.Second {
		t.Errorf("NodePort after the rollout: no v=2 within 20 s; answers after rollout status:\n%s", strings.Join(trace, "\n"))
	} else {
		t.Logf("FIGURE NodePort answered from the new pods %.1fs after rollout status", took.Seconds())
	}
	if took < 0 || took > 3*time.Second {
		// Slower than usual: what kube-proxy and the EndpointSlice say, for the record.
		t.Logf("answers after rollout status:\n%s", strings.Join(trace, "\n"))
		c.kubectl(t, "get", "pods,endpointslices", "-o", "wide")
		c.kubectl(t, "get", "endpointslices", "-l", "kubernetes.io/service-name=kubernetes-bootcamp", "-o",
			"go-template={{range .items}}{{range .endpoints}}{{.addresses}} {{.conditions}}{{\"\\n\"}}{{end}}{{end}}")
		c.kubectl(t, "logs", "-n", "kube-system", "-l", "k8s-app=kube-proxy", "--prefix", "--timestamps", "--since=3m")
	}
}

// traceHTTP fetches url from the host every 200 ms (a new connection each time) until an
// answer contains want, and returns how long after the call that took (-1 if not within
// timeout) and each change of answer ("+1.2s v=1 ..." or an error) with its time.
func traceHTTP(url, want string, timeout time.Duration) (time.Duration, []string) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	began := time.Now()
	var trace []string
	last := ""
	for time.Since(began) < timeout {
		got := ""
		resp, err := c.Get(url)
		if err != nil {
			got = err.Error()
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		if got != last {
			trace = append(trace, fmt.Sprintf("+%.1fs %s", time.Since(began).Seconds(), got))
			last = got
		}
		if strings.Contains(got, want) {
			return time.Since(began), trace
		}
		time.Sleep(200 * time.Millisecond)
	}
	return -1, trace
}
