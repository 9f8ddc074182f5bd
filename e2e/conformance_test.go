//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/kubelab/kubelab/e2e/conformance/report"
)

// The part of the [Conformance] suite `make test` runs: Services, DNS, pod networking,
// Deployments and ReplicaSets, kubectl, ConfigMaps and Secrets (ginkgo --focus patterns,
// any of which selects a spec).
var conformanceSubset = []string{
	`\[sig-network\] (Services|DNS|Networking|EndpointSlice|Proxy) .*\[Conformance\]`,
	`\[sig-apps\] (Deployment|ReplicaSet|ReplicationController) .*\[Conformance\]`,
	`\[sig-cli\] Kubectl client .*\[Conformance\]`,
	`\[sig-(node|storage)\] (ConfigMap|Secrets) .*\[Conformance\]`,
	// They always pull: served by the registry the test starts (mirrorPulls).
	`\[sig-node\] ImageVolume .*\[Conformance\]`,
	`\[sig-auth\] Projected PodCertificate .*\[Conformance\]`,
}

// TestConformance runs the upstream Kubernetes conformance suite, built here by `make
// conformance-tools`, against a 1 control plane + 2 workers cluster: the subset above
// and netpolSubset in `make test`, or every [Conformance] spec with
// KUBELAB_CONFORMANCE=full (`make conformance`), which also writes
// conformance/results.md, or every NetworkPolicy spec with KUBELAB_CONFORMANCE=networkpolicy
// (`make netpol-conformance`, writing conformance/networkpolicy-results.md). KUBELAB_CONFORMANCE_FOCUS
// replaces the subset with one ginkgo focus pattern. Every selected spec must pass.
func TestConformance(t *testing.T) {
	api := requireDocker(t)
	tools := os.Getenv("KUBELAB_CONFORMANCE_DIR")
	if tools == "" {
		t.Fatal("KUBELAB_CONFORMANCE_DIR is not set: run through `make e2e` or `make conformance`, which build the suite first")
	}
	mode := os.Getenv("KUBELAB_CONFORMANCE") // "full", "networkpolicy" or the CI subset
	c := createConformanceCluster(t, api, tools)
	g := &ginkgoRun{tools: tools, kubeconfig: c.kubeconfig, reportDir: conformanceReportDir(t),
		// Most specs wait on pods, not on CPU: more processes than cores keep the run short.
		procs: fmt.Sprint(max(4, 2*runtime.NumCPU()))}

	start := time.Now()
	var reports []string
	switch mode {
	case "full":
		reports = g.full(t)
	case "networkpolicy":
		reports = g.networkPolicy(t)
	default:
		reports = g.subset(t)
	}
	took := time.Since(start)

	var sum report.Summary
	switch mode {
	case "networkpolicy":
		sum.Specs = regexp.MustCompile(netpolSpecs)
	case "":
		// The CI subset counts its NetworkPolicy specs too.
		sum.Specs = regexp.MustCompile(`\[Conformance\]|` + netpolSpecs)
	}
	for _, r := range reports {
		ran, err := sum.Add(filepath.Join(g.reportDir, r))
		if err != nil {
			t.Fatalf("read the JUnit report: %v", err)
		}
		if ran == 0 {
			t.Errorf("%s: no spec ran (a focus that matches nothing?)", r)
		}
	}
	passed, skipped, failed := sum.Count()
	if mode == "" {
		mode = "CI subset"
	}
	t.Logf("FIGURE conformance (%s): %d passed, %d failed, %d skipped or not selected, in %s", mode,
		passed, len(failed), skipped, took.Round(time.Second))
	for _, f := range failed {
		t.Errorf("failed: %s\n%s", f, sum.Why(f))
	}
	run := report.Run{NodeImage: nodeImage, Took: took, Parts: g.parts, Procs: g.procs}
	switch mode {
	case "full":
		if err := report.WriteResults("../conformance/results.md", &sum, run); err != nil {
			t.Error(err)
		}
	case "networkpolicy":
		run.Title = "NetworkPolicy results"
		run.About = "Latest run of the upstream `[sig-network] Netpol` specs (`[Feature:NetworkPolicy]` and the NetworkPolicy API; not part of [Conformance]) by `make netpol-conformance`, enforced by the add-on network-policy. Not run: the 3 `[Feature:SCTPConnectivity]` specs (this kernel has no SCTP, CONFIG_IP_SCTP is not set)."
		if err := report.WriteResults("../conformance/networkpolicy-results.md", &sum, run); err != nil {
			t.Error(err)
		}
	}
}

// createConformanceCluster creates the 1 control plane + 2 workers cluster with the
// suite's images loaded, and the always-pulled ones served by a mirror.
func createConformanceCluster(t *testing.T, api *client.Client, tools string) *testCluster {
	t.Helper()
	imgs, err := os.ReadFile(filepath.Join(tools, "images.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c := newTestCluster(t, "e2e-conf")
	c.create(t, "--name", c.name, "--workers", "2")
	refs := strings.Fields(string(imgs))
	if r := kubelab(t, c.env, append([]string{"load", "docker-image", "--name", c.name}, refs...)...); r.err != nil {
		t.Fatalf("load the test images: %v\n%s", r.err, r.stderr)
	}
	requireDistinctIDs(t, api, refs)
	mirrorPulls(t, api, tools, c.name)
	return c
}

// conformanceReportDir is where the JUnit reports and ginkgo logs go:
// KUBELAB_CONFORMANCE_REPORT, or a temporary directory.
func conformanceReportDir(t *testing.T) string {
	dir := os.Getenv("KUBELAB_CONFORMANCE_REPORT")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ginkgoRun runs parts of the suite with ginkgo, each into its own JUnit report and log.
type ginkgoRun struct {
	tools, kubeconfig, reportDir string
	procs                        string   // ginkgo --procs of the parallel parts
	parts                        []string // "part: wall time", for results.md
}

// full runs every [Conformance] spec: the parallel part, then the [Serial] one.
func (g *ginkgoRun) full(t *testing.T) (reports []string) {
	g.run(t, "parallel.xml", "--procs="+g.procs, "--focus=\\[Conformance\\]", "--skip=\\[Serial\\]")
	// Spec names put the two tags in either order.
	g.run(t, "serial.xml", "--focus=\\[Serial\\].*\\[Conformance\\]|\\[Conformance\\].*\\[Serial\\]")
	return []string{"parallel.xml", "serial.xml"}
}

// subset runs conformanceSubset, or KUBELAB_CONFORMANCE_FOCUS, in parallel.
func (g *ginkgoRun) subset(t *testing.T) (reports []string) {
	args := []string{"--procs=" + g.procs, "--skip=\\[Serial\\]"}
	focus := slices.Concat(conformanceSubset, netpolSubset)
	if f := os.Getenv("KUBELAB_CONFORMANCE_FOCUS"); f != "" {
		focus = []string{f} // one spec or area, when working on it
	}
	for _, f := range focus {
		args = append(args, "--focus="+f)
	}
	g.run(t, "subset.xml", args...)
	return []string{"subset.xml"}
}

// run runs ginkgo with ginkgoArgs, writing the JUnit report junit and a log beside it;
// the specs' outcomes are read from the report, not from ginkgo's exit status.
func (g *ginkgoRun) run(t *testing.T, junit string, ginkgoArgs ...string) {
	args := append([]string{"--timeout=4h", "--junit-report=" + junit, "--output-dir=" + g.reportDir, "--no-color"}, ginkgoArgs...)
	args = append(args, filepath.Join(g.tools, "e2e.test"), "--",
		"--provider=skeleton", "--kubeconfig="+g.kubeconfig, "--kubectl-path="+filepath.Join(g.tools, "kubectl"),
		"--report-dir="+g.reportDir)
	cmd := exec.Command(filepath.Join(g.tools, "ginkgo"), args...)
	log, err := os.Create(filepath.Join(g.reportDir, strings.TrimSuffix(junit, ".xml")+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start).Round(time.Second)
	g.parts = append(g.parts, fmt.Sprintf("%s part: %s", strings.TrimSuffix(junit, ".xml"), took))
	t.Logf("ginkgo %s: %v after %s (log: %s)", strings.Join(ginkgoArgs, " "), err, took, log.Name())
}
