//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/kubelab/kubelab/e2e/benchreport"
)

// TestBench is `make bench`: minikube's time-to-k8s method on kubelab, with the default
// add-ons on, for a single node and for 1 control plane + 2 workers (benchrun_test.go),
// then the idle memory with and without add-ons and the warm build times
// (benchbuild_test.go), and the node image's size (benchdocker_test.go). It prints the
// figures and writes them to bench/results.json and bench/results.md; it never fails
// because something is slow, only when something does not work. Every cluster it
// creates is called bn-… and deleted when its run ends.
//
// It runs only with KUBELAB_BENCH=1. Knobs:
//   - KUBELAB_BENCH_RUNS: timed runs per cluster shape (default 3)
//   - KUBELAB_BENCH_MEMORY_RUNS: clusters per idle-memory figure (default 1)
//   - KUBELAB_BENCH_PARTS: which parts, of single,multi,memory,build,image (default all);
//     build times `make node-image` in KUBELAB_REPO, and only when that is set (`make
//     bench` sets it, after bringing the node image up to date)
//   - KUBELAB_BENCH_OUT: where results.* go (default ../bench)
//   - KUBELAB_BENCH_NOTE: a note for the results, e.g. "machine busy with other work"
func TestBench(t *testing.T) {
	if os.Getenv("KUBELAB_BENCH") != "1" {
		t.Skip("the benchmark runs with KUBELAB_BENCH=1 (`make bench`)")
	}
	api := requireDocker(t)
	runs := envInt(t, "KUBELAB_BENCH_RUNS", 3)
	memRuns := envInt(t, "KUBELAB_BENCH_MEMORY_RUNS", 1)
	parts := map[string]bool{}
	for _, p := range strings.Split(envOr("KUBELAB_BENCH_PARTS", "single,multi,memory,build,image"), ",") {
		parts[strings.TrimSpace(p)] = true
	}
	r := &benchreport.Results{
		Date: time.Now().UTC(), NodeImage: nodeImage, Note: os.Getenv("KUBELAB_BENCH_NOTE"),
		Commit:  strings.TrimSpace(kubelab(t, nil, "version").stdout),
		Machine: machine(t, api),
	}
	out := envOr("KUBELAB_BENCH_OUT", filepath.Join("..", "bench"))
	// Whatever was measured is written, even when a later part fails.
	defer func() {
		if err := benchreport.Write(out, r); err != nil {
			t.Error(err)
		}
		md, _ := os.ReadFile(filepath.Join(out, "results.md"))
		t.Logf("%s:\n%s", out, md)
	}()

	for _, shape := range []struct {
		part, name string
		workers    int
	}{{"single", "single node", 0}, {"multi", "1 control plane + 2 workers", 2}} {
		if !parts[shape.part] {
			continue
		}
		s := benchreport.Scenario{Name: shape.name, Workers: shape.workers}
		for i := 0; i < runs; i++ {
			var run benchreport.Run
			if !t.Run(fmt.Sprintf("%s run %d", shape.part, i+1), func(t *testing.T) { run = benchRun(t, api, shape.workers) }) {
				t.FailNow()
			}
			t.Logf("%s, run %d: create %.1fs, app %.1fs, dns %.1fs, total %.1fs, CPU %.1fs",
				shape.name, i+1, run.Create, run.App, run.DNS, run.Total, run.CPU)
			s.Runs = append(s.Runs, run)
		}
		r.Scenarios = append(r.Scenarios, s)
	}
	if parts["build"] || parts["memory"] {
		r.Build, r.Memory = benchBuildAndMemory(t, api, parts["build"], parts["memory"], memRuns)
	}
	if parts["image"] {
		r.Image = imageSize(t, api, nodeImage)
	}
}

// machine describes the host: cores, memory, kernel, Docker and the load right now.
func machine(t *testing.T, api *client.Client) benchreport.Machine {
	m := benchreport.Machine{Cores: runtime.NumCPU()}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.Atoi(f[1])
				m.MemoryMiB = kb / 1024
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	v, err := api.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m.Docker = v.Version + " (API " + v.APIVersion + ")"
	return m
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(t *testing.T, key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", key, v)
	}
	return n
}
