//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKilledCreate: a create killed with SIGKILL (no chance to roll back) once its nodes
// exist, during kubeadm init and during the worker's join, then `kubelab delete cluster`:
// no container, volume, kubeconfig entry, or unused kubelab network is left. The moment
// is picked from the create's progress lines. A 1+1 cluster without add-ons each time.
func TestKilledCreate(t *testing.T) {
	api := requireDocker(t)
	for _, tc := range []struct {
		name, after string
		delay       time.Duration
	}{
		{"nodes created", "• Waiting for systemd and containerd in the nodes", 0},
		{"during kubeadm init", "• Starting the control plane (kubeadm init)", 3 * time.Second},
		{"during the join", "• Joining worker nodes", 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCluster(t, "pf-kill")
			out, reached := killCreateAt(t, c, tc.after, tc.delay)
			t.Logf("kubelab create, killed:\n%s", out)
			if !reached {
				t.Fatalf("the create never printed %q", tc.after)
			}
			if r := kubelab(t, c.env, "delete", "cluster", "--name", c.name); r.err != nil {
				t.Errorf("delete after the kill: %v\n%s", r.err, r.stderr)
			}
			assertNothingLeft(t, api, c.kubeconfig, c.name)
		})
	}
}

// killCreateAt starts a create of c, watches its output for a line containing line,
// waits delay, then kills it with SIGKILL. It returns what the create printed and
// whether it reached line before it ended.
func killCreateAt(t *testing.T, c *testCluster, line string, delay time.Duration) (string, bool) {
	t.Helper()
	cmd := exec.Command(kubelabBin, "create", "cluster", "--image", nodeImage, "--config", writeOneWorkerConfig(t, c.name))
	cmd.Env = append(os.Environ(), c.env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var mu sync.Mutex
	reached := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !once && strings.Contains(sc.Text(), line) {
				once = true
				close(reached)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	ok := false
	select {
	case <-reached:
		ok = true
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		<-done
	case err := <-done:
		t.Logf("the create ended before %q: %v", line, err)
	case <-time.After(5 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
	}
	mu.Lock()
	defer mu.Unlock()
	return out.String(), ok
}

// writeOneWorkerConfig is a 1+1 cluster without add-ons.
func writeOneWorkerConfig(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".toml")
	cfg := `name = "` + name + `"

[addons]
storage = false
ingress = false
metrics-server = false
dashboard = false

[[nodes]]
role = "control-plane"

[[nodes]]
role = "worker"
`
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
