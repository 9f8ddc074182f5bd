//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// TestConcurrentCreates: two single-node clusters created at the same moment, into one
// kubeconfig file, both work (no "network kubelab is ambiguous", no address taken
// twice); the file keeps both contexts; there is one network named kubelab; and
// deleting one cluster leaves the other, and its context, intact.
func TestConcurrentCreates(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	a := &testCluster{name: uniqueName("lc-ca"), kubeconfig: kc, env: []string{"KUBECONFIG=" + kc}}
	b := &testCluster{name: uniqueName("lc-cb"), kubeconfig: kc, env: a.env}
	for _, c := range []*testCluster{a, b} {
		t.Cleanup(func() { kubelab(t, c.env, "delete", "cluster", "--name", c.name) })
	}

	var wg sync.WaitGroup
	results := make([]result, 2)
	start := time.Now()
	for i, c := range []*testCluster{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = kubelab(t, c.env, "create", "cluster", "--image", nodeImage, "--config", writeBareConfig(t, c.name), "--wait", "5m")
		}()
	}
	wg.Wait()
	t.Logf("FIGURE two concurrent single-node creates wall time: %.1fs", time.Since(start).Seconds())
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("create %d: %v\n%s", i, r.err, r.stderr)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := clientcmd.LoadFromFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*testCluster{a, b} {
		if cfg.Contexts["kubelab-"+c.name] == nil {
			t.Errorf("context kubelab-%s missing from the kubeconfig", c.name)
		}
		c.cs = clientset(t, kc, c.name)
		if _, err := c.cs.CoreV1().Nodes().Get(ctx, c.name+"-control-plane", metav1.GetOptions{}); err != nil {
			t.Errorf("cluster %s does not answer: %v", c.name, err)
		}
	}
	nets, err := api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", "kubelab"))})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, n := range nets {
		if n.Name == "kubelab" {
			named++
		}
	}
	if named != 1 {
		t.Errorf("%d networks named kubelab, want 1", named)
	}

	if r := kubelab(t, a.env, "delete", "cluster", "--name", a.name); r.err != nil {
		t.Fatalf("delete %s: %v\n%s", a.name, r.err, r.stderr)
	}
	assertNothingLeft(t, api, kc, a.name)
	if _, err := b.cs.CoreV1().Nodes().Get(ctx, b.name+"-control-plane", metav1.GetOptions{}); err != nil {
		t.Errorf("cluster %s stopped answering when %s was deleted: %v", b.name, a.name, err)
	}
	if cfg, err := clientcmd.LoadFromFile(kc); err != nil || cfg.Contexts["kubelab-"+b.name] == nil {
		t.Errorf("context kubelab-%s lost when %s was deleted (%v)", b.name, a.name, err)
	}
	if st := statusOf(t, b); st.State != "running" || !st.ContextPresent {
		t.Errorf("status of %s: %+v", b.name, st)
	}
}

// writeBareConfig is a single-node cluster without add-ons: the quickest to create.
func writeBareConfig(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".toml")
	cfg := fmt.Sprintf("name = %q\n\n[addons]\nstorage = false\ningress = false\nmetrics-server = false\ndashboard = false\n", name)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
