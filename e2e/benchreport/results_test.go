package benchreport

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want Stats
	}{
		{nil, Stats{}},
		{[]float64{4}, Stats{N: 1, Min: 4, Median: 4, Max: 4}},
		{[]float64{9, 1, 5}, Stats{N: 3, Min: 1, Median: 5, Max: 9}},
		{[]float64{4, 1, 3, 2}, Stats{N: 4, Min: 1, Median: 2.5, Max: 4}},
	} {
		if got := Summarize(c.in); got != c.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
	in := []float64{3, 1, 2}
	Summarize(in)
	if in[0] != 3 {
		t.Error("Summarize sorted its argument")
	}
}

func TestStatsString(t *testing.T) {
	if s := Summarize([]float64{10.04, 12.26, 11}).String(); s != "10.0 / **11.0** / 12.3" {
		t.Errorf("got %q", s)
	}
	if s := Summarize([]float64{7}).String(); s != "**7.0**" {
		t.Errorf("one run: %q", s)
	}
	if s := (Stats{}).String(); s != "—" {
		t.Errorf("no runs: %q", s)
	}
}

func TestParseSteps(t *testing.T) {
	out := ` • Checking Docker and the node image kubelab/node:v1.37.2 ...
 ✓ Checking Docker and the node image kubelab/node:v1.37.2 (0.1s)
 ✓ Starting the control plane (kubeadm init) (10.2s)
 ✓ Writing kubeconfig context kubelab-bn-12ab34 (0.0s)
 ✗ Waiting for the nodes and system pods to be ready (5m0s)
 ✓ Something slow (1m5s)
Cluster "bn-12ab34" is ready.
`
	got := ParseSteps(out, "bn-12ab34")
	want := []Step{
		{"Checking Docker and the node image kubelab/node:v1.37.2", 0.1},
		{"Starting the control plane (kubeadm init)", 10.2},
		{"Writing kubeconfig context kubelab-NAME", 0},
		{"Something slow", 65},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func testResults() *Results {
	run := func(create, app, dns float64) Run {
		return Run{Create: create, App: app, DNS: dns, Total: create + app + dns, KubelabCPU: 1, NodesCPU: 20, CPU: 21,
			Steps: []Step{{"Starting node containers", create / 10}, {"Starting the control plane (kubeadm init)", create / 2}}}
	}
	return &Results{
		Date: time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC), Commit: "abc1234", NodeImage: "kubelab/node:v1.37.2",
		Machine: Machine{Cores: 2, MemoryMiB: 24000, Kernel: "6.18.0", Docker: "20.10.24", LoadAverage: "0.10 0.20 0.30"},
		Scenarios: []Scenario{
			{Name: "single node", Runs: []Run{run(30, 2, 2), run(20, 1, 1), run(40, 3, 3)}},
			{Name: "1 control plane + 2 workers", Workers: 2, Runs: []Run{run(50, 2, 2)}},
		},
		Memory: &Memory{IdleSeconds: 60, AddonsMiB: []float64{560}, NoAddonsMiB: []float64{480}},
		Image:  &Image{Ref: "kubelab/node:v1.37.2", Bytes: 1372e6, GzipBytes: 420e6},
		Build:  &Build{NodeImage: 3.2, Cluster: 35.5},
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, testResults()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Scenarios[0].Summary["total_s"]; got != (Stats{N: 3, Min: 22, Median: 34, Max: 46}) {
		t.Errorf("single-node total summary = %+v", got)
	}
	if back.Memory.AddonsStats.Median != 560 || back.Memory.NoAddonsStats.Median != 480 {
		t.Errorf("memory summary = %+v", back.Memory)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"- commit: abc1234",
		"2 cores, 24000 MiB memory, kernel 6.18.0, Docker 20.10.24",
		"| figure | single node (3 runs) | 1 control plane + 2 workers (1 run) |",
		"| total (s) | 22.0 / **34.0** / 46.0 | **54.0** |",
		"| Starting the control plane (kubeadm init) | 15.0 | 25.0 |",
		"| **560.0** | **480.0** |",
		"| 1372 MB | 420 MB |",
		"| 3.2 s | 35.5 s |",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}

func TestMarkdownLeavesOutWhatWasNotMeasured(t *testing.T) {
	r := testResults()
	r.Memory, r.Image, r.Build = nil, nil, nil
	r.Summarize()
	md := Markdown(r)
	for _, absent := range []string{"## Memory", "## Node image", "## Warm builds"} {
		if strings.Contains(md, absent) {
			t.Errorf("results.md has %q although it was not measured", absent)
		}
	}
}
