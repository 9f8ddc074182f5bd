//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/kubelab/kubelab/e2e/benchreport"
	"github.com/kubelab/kubelab/pkg/addons/catalog"
)

// idle is how long a new cluster sits before its memory is read.
const idle = 60 * time.Second

// benchBuildAndMemory times a warm `make node-image` and the `make cluster` it is part
// of (with build), and reads the idle memory of single-node clusters with the default
// add-ons and with every add-on off, memRuns of each (with memory). The cluster the warm
// `make cluster` creates is the first of the default ones.
func benchBuildAndMemory(t *testing.T, api *client.Client, build, memory bool, memRuns int) (*benchreport.Build, *benchreport.Memory) {
	var bl *benchreport.Build
	var mem *benchreport.Memory
	if memory {
		mem = &benchreport.Memory{IdleSeconds: int(idle.Seconds())}
	}
	// Only `make bench` sets KUBELAB_REPO, right after making the node image: elsewhere a
	// `make node-image` could rebuild an image that is out of date, which the bench must
	// never do behind anyone's back.
	repo := os.Getenv("KUBELAB_REPO")
	if build && repo == "" {
		t.Log("warm builds not timed: KUBELAB_REPO is not set (`make bench` sets it)")
		build = false
	}
	if build {
		t.Run("warm make cluster", func(t *testing.T) {
			bl = &benchreport.Build{}
			name, kc := benchCluster(t)
			start := time.Now()
			makeNodeImage(t, repo)
			bl.NodeImage = time.Since(start).Seconds()
			if _, err := timedCreate(t, api, kc, name, "create", "cluster", "--name", name, "--image", nodeImage); err != nil {
				t.Fatal(err)
			}
			bl.Cluster = time.Since(start).Seconds()
			t.Logf("warm make node-image %.1fs, make cluster %.1fs", bl.NodeImage, bl.Cluster)
			if memory {
				mem.AddonsMiB = append(mem.AddonsMiB, idleMemory(t, api, name))
			}
		})
	}
	if !memory {
		return bl, nil
	}
	noAddons := filepath.Join(t.TempDir(), "no-addons.toml")
	var cfg strings.Builder
	cfg.WriteString("[addons]\n")
	for _, name := range catalog.Names() {
		fmt.Fprintf(&cfg, "%s = false\n", name)
	}
	if err := os.WriteFile(noAddons, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what  string
		extra []string
		into  *[]float64
	}{{"default add-ons", nil, &mem.AddonsMiB}, {"no add-ons", []string{"--config", noAddons}, &mem.NoAddonsMiB}} {
		for i := len(*c.into); i < memRuns; i++ {
			t.Run(fmt.Sprintf("idle memory, %s, run %d", c.what, i+1), func(t *testing.T) {
				name, kc := benchCluster(t)
				args := append([]string{"create", "cluster", "--name", name, "--image", nodeImage}, c.extra...)
				if _, err := timedCreate(t, api, kc, name, args...); err != nil {
					t.Fatal(err)
				}
				*c.into = append(*c.into, idleMemory(t, api, name))
			})
		}
	}
	return bl, mem
}

// idleMemory waits idle, then reads the memory of the cluster's node containers.
func idleMemory(t *testing.T, api *client.Client, name string) float64 {
	time.Sleep(idle)
	mib, err := clusterMemoryMiB(api, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster %s after %s idle: %.0f MiB", name, idle, mib)
	return mib
}

// makeNodeImage runs `make node-image` in the repository (KUBELAB_REPO) for the bench's
// node image, which `make bench` has just brought up to date.
func makeNodeImage(t *testing.T, repo string) {
	cmd := exec.Command("make", "-C", repo, "node-image", "NODE_IMAGE="+nodeImage)
	out, err := cmd.CombinedOutput()
	t.Logf("make node-image:\n%s", out)
	if err != nil {
		t.Fatalf("make node-image: %v", err)
	}
	if !strings.Contains(string(out), "is up to date") {
		t.Errorf("make node-image rebuilt %s: the bench wants a warm build (run it through `make bench`)", nodeImage)
	}
}
