//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// An HA cluster (3 control planes behind the load balancer, 1 worker) takes minutes to
// create: TestDockerRestart (which runs first) and TestHighAvailability share one, made
// by whichever of them runs first and deleted when the whole run ends (TestMain calls
// deleteSharedClusters). TestHighAvailability stops a control plane: it must stay the
// last user.
var shared struct {
	mu       sync.Mutex
	ha       *testCluster
	cleanups []func()
}

// sharedHACluster returns the run's HA cluster, creating it if no test did yet. Its
// add-ons are storage and ingress only: the others would only slow the nodes down.
func sharedHACluster(t *testing.T) *testCluster {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ha != nil {
		return shared.ha
	}
	// Not t.TempDir: the kubeconfig must outlive the test that creates the cluster.
	dir, err := os.MkdirTemp("", "kubelab-e2e-ha-")
	if err != nil {
		t.Fatal(err)
	}
	c := &testCluster{name: uniqueName("e2e-ha"), kubeconfig: filepath.Join(dir, "kubeconfig")}
	c.env = []string{"KUBECONFIG=" + c.kubeconfig}
	// Registered before the create, so a failed or killed create is removed as well.
	shared.cleanups = append(shared.cleanups, func() {
		deleteUntested(c)
		os.RemoveAll(dir)
	})
	cfg := filepath.Join(dir, "lab.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`name = %q

[addons]
metrics-server = false
dashboard = false

[[nodes]]
role = "control-plane"
[[nodes]]
role = "control-plane"
[[nodes]]
role = "control-plane"
[[nodes]]
role = "worker"
`, c.name)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := c.create(t, "--config", cfg, "--wait", "8m")
	t.Logf("FIGURE create cluster 3 control planes + 1 worker (--wait) wall time: %.1fs", r.took.Seconds())
	shared.ha = c
	return c
}

// deleteSharedClusters deletes the clusters tests shared, once every test has run.
func deleteSharedClusters() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, f := range shared.cleanups {
		f()
	}
	shared.cleanups, shared.ha = nil, nil
}

// deleteUntested runs `kubelab delete cluster` outside any test, printing what it says.
func deleteUntested(c *testCluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubelabBin, "delete", "cluster", "--name", c.name)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	fmt.Fprintf(os.Stderr, "kubelab delete cluster --name %s (err=%v)\n%s", c.name, err, out)
}
