//go:build e2e

package e2e

import (
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// The part of the [Conformance] suite `make test` runs: Services, DNS, pod networking,
// Deployments and ReplicaSets, kubectl, ConfigMaps and Secrets (ginkgo --focus patterns,
// any of which selects a spec).
var conformanceSubset = []string{
	`\[sig-network\] (Services|DNS|Networking|EndpointSlice|Proxy) .*\[Conformance\]`,
	`\[sig-apps\] (Deployment|ReplicaSet|ReplicationController) .*\[Conformance\]`,
	`\[sig-cli\] Kubectl client .*\[Conformance\]`,
	`\[sig-(node|storage)\] (ConfigMap|Secrets) .*\[Conformance\]`,
}

// TestConformance runs the upstream Kubernetes conformance suite, built here by `make
// conformance-tools`, against a 1 control plane + 2 workers cluster: the subset above in
// `make test`, or every [Conformance] spec with KUBELAB_CONFORMANCE=full (`make
// conformance`), which also writes conformance/results.md.
func TestConformance(t *testing.T) {
	requireDocker(t)
	tools := os.Getenv("KUBELAB_CONFORMANCE_DIR")
	if tools == "" {
		t.Fatal("KUBELAB_CONFORMANCE_DIR is not set: run through `make e2e` or `make conformance`, which build the suite first")
	}
	full := os.Getenv("KUBELAB_CONFORMANCE") == "full"
	imgs, err := os.ReadFile(filepath.Join(tools, "images.txt"))
	if err != nil {
		t.Fatal(err)
	}
	name := uniqueName("e2e-conf")
	kc := tempKubeconfig(t)
	env := []string{"KUBECONFIG=" + kc}
	t.Cleanup(func() { kubelab(t, env, "delete", "cluster", "--name", name) })
	if r := kubelab(t, env, "create", "cluster", "--name", name, "--image", nodeImage, "--workers", "2"); r.err != nil {
		t.Fatalf("create: %v", r.err)
	}
	if r := kubelab(t, env, append([]string{"load", "docker-image", "--name", name}, strings.Fields(string(imgs))...)...); r.err != nil {
		t.Fatalf("load the test images: %v\n%s", r.err, r.stderr)
	}

	report := t.TempDir()
	if dir := os.Getenv("KUBELAB_CONFORMANCE_REPORT"); dir != "" {
		report = dir
		if err := os.MkdirAll(report, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Most specs wait on pods, not on CPU: more processes than cores keep the run short.
	procs := fmt.Sprint(max(4, 2*runtime.NumCPU()))
	run := func(junit string, ginkgoArgs ...string) {
		args := append([]string{"--timeout=4h", "--junit-report=" + junit, "--output-dir=" + report, "--no-color"}, ginkgoArgs...)
		args = append(args, filepath.Join(tools, "e2e.test"), "--",
			"--provider=skeleton", "--kubeconfig="+kc, "--kubectl-path="+filepath.Join(tools, "kubectl"),
			"--report-dir="+report)
		cmd := exec.Command(filepath.Join(tools, "ginkgo"), args...)
		log, err := os.Create(filepath.Join(report, strings.TrimSuffix(junit, ".xml")+".log"))
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		cmd.Stdout, cmd.Stderr = log, log
		start := time.Now()
		err = cmd.Run()
		t.Logf("ginkgo %s: %v after %s (log: %s)", strings.Join(ginkgoArgs, " "), err, time.Since(start).Round(time.Second), log.Name())
	}
	start := time.Now()
	var reports []string
	if full {
		run("parallel.xml", "--procs="+procs, "--focus=\\[Conformance\\]", "--skip=\\[Serial\\]")
		run("serial.xml", "--focus=\\[Serial\\].*\\[Conformance\\]")
		reports = []string{"parallel.xml", "serial.xml"}
	} else {
		args := []string{"--procs=" + procs, "--skip=\\[Serial\\]"}
		for _, f := range conformanceSubset {
			args = append(args, "--focus="+f)
		}
		run("subset.xml", args...)
		reports = []string{"subset.xml"}
	}
	took := time.Since(start)

	var sum junitSummary
	for _, r := range reports {
		if err := sum.add(filepath.Join(report, r)); err != nil {
			t.Fatalf("read the JUnit report: %v", err)
		}
	}
	t.Logf("FIGURE conformance (%s): %d passed, %d failed, %d skipped or not selected, in %s", map[bool]string{true: "full", false: "CI subset"}[full],
		sum.passed, len(sum.failed), sum.skipped, took.Round(time.Second))
	if sum.passed == 0 {
		t.Errorf("no spec passed: the run did not happen (see the logs in %s)", report)
	}
	for _, f := range sum.failed {
		t.Errorf("failed: %s", f)
	}
	if full {
		if err := writeConformanceResults("../conformance/results.md", sum, took); err != nil {
			t.Error(err)
		}
	}
}

// knownFailures explain, by a pattern of the spec name, the specs that cannot pass on
// these machines; results.md quotes the reason next to each such failure.
var knownFailures = map[string]string{}

type junitSummary struct {
	passed, skipped int
	failed          []string
}

// add counts the specs of a ginkgo JUnit report.
func (s *junitSummary) add(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Status  string    `xml:"status,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, su := range suites.Suites {
		for _, c := range su.Cases {
			failed := c.Failure != nil || c.Error != nil
			name := strings.TrimPrefix(c.Name, "[It] ") // specs: "[It] [sig-...] ..."
			switch {
			case !strings.HasPrefix(name, "[sig-"):
				// Ginkgo's suite-level nodes ([SynchronizedBeforeSuite], [ReportAfterSuite]
				// ...): not specs, but their failure fails the run.
				if failed {
					s.failed = append(s.failed, c.Name)
				}
			case !strings.Contains(name, "[Conformance]"):
				// Specs outside the suite (not selected): the report lists them as skipped.
			case failed:
				s.failed = append(s.failed, name)
			case c.Skipped != nil:
				s.skipped++
			default:
				s.passed++
			}
		}
	}
	sort.Strings(s.failed)
	return nil
}

// writeConformanceResults keeps the latest full run's summary in the repository.
func writeConformanceResults(path string, s junitSummary, took time.Duration) error {
	host, _ := os.Hostname()
	var b strings.Builder
	fmt.Fprintf(&b, "# Conformance results\n\nLatest full run of the upstream [Conformance] suite (`make conformance`).\n\n")
	fmt.Fprintf(&b, "- Date: %s\n- Kubernetes: %s (node image %s)\n- Machine: %s, %d CPUs, %s/%s\n- Cluster: 1 control plane + 2 workers\n- Wall time: %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), strings.TrimPrefix(nodeImage, "kubelab/node:"), nodeImage, host, runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, took.Round(time.Second))
	fmt.Fprintf(&b, "| passed | failed | skipped |\n|---|---|---|\n| %d | %d | %d |\n\n", s.passed, len(s.failed), s.skipped)
	if len(s.failed) > 0 {
		b.WriteString("## Failures\n\n")
		for _, f := range s.failed {
			why := "not explained: a kubelab bug until shown otherwise"
			for pattern, reason := range knownFailures {
				if regexp.MustCompile(pattern).MatchString(f) {
					why = reason
				}
			}
			fmt.Fprintf(&b, "- %s\n  - %s\n", f, why)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
