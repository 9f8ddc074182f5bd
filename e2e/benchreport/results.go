// Package benchreport holds the figures `make bench` measures (time-to-Kubernetes of a
// single node and of 1 control plane + 2 workers, CPU of the create, idle memory, the
// node image's size, warm build times) and writes them as bench/results.json and
// bench/results.md. It only computes and formats: the measuring is done by e2e's TestBench.
package benchreport

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Machine is what the figures were measured on.
type Machine struct {
	Cores     int    `json:"cores"`
	MemoryMiB int    `json:"memory_mib"`
	Kernel    string `json:"kernel"`
	Docker    string `json:"docker"`
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute figures when the bench started:
	// high figures mean other work shared the machine.
	LoadAverage string `json:"load_average"`
}

// Run is one timed create of a cluster, in seconds.
type Run struct {
	// Create: `kubelab create cluster` (default --wait) until it returns.
	Create float64 `json:"create_s"`
	// App: from then until a Deployment of kubelab/echo behind a ClusterIP Service is Available.
	App float64 `json:"app_s"`
	// DNS: from then until a pod got HTTP 200 from the Service by its name.
	DNS float64 `json:"dns_s"`
	// Total of the three.
	Total float64 `json:"total_s"`
	// KubelabCPU and NodesCPU are the CPU seconds the kubelab process and the node
	// containers' cgroups used during the create; CPU is their sum.
	KubelabCPU float64 `json:"kubelab_cpu_s"`
	NodesCPU   float64 `json:"nodes_cpu_s"`
	CPU        float64 `json:"cpu_s"`
	// Steps are the create's own per-step times, in its order.
	Steps []Step `json:"steps"`
}

// Step is one step the create printed, with its time.
type Step struct {
	Title   string  `json:"title"`
	Seconds float64 `json:"s"`
}

// Scenario is one cluster shape measured over several runs.
type Scenario struct {
	Name    string           `json:"name"`
	Workers int              `json:"workers"`
	Runs    []Run            `json:"runs"`
	Summary map[string]Stats `json:"summary"`
}

// Memory is the node containers' memory (MiB, summed over the nodes of a single-node
// cluster) after 60 s idle, per run.
type Memory struct {
	IdleSeconds   int       `json:"idle_s"`
	AddonsMiB     []float64 `json:"default_addons_mib"`
	NoAddonsMiB   []float64 `json:"no_addons_mib"`
	AddonsStats   Stats     `json:"default_addons"`
	NoAddonsStats Stats     `json:"no_addons"`
}

// Image is the node image's size.
type Image struct {
	Ref       string `json:"ref"`
	Bytes     int64  `json:"bytes"`      // uncompressed, as Docker reports it
	GzipBytes int64  `json:"gzip_bytes"` // `docker save | gzip`
}

// Build is how long warm builds take: nothing changed since the last build.
type Build struct {
	NodeImage float64 `json:"node_image_s"` // `make node-image`
	Cluster   float64 `json:"cluster_s"`    // `make node-image` then a create, as `make cluster` does
}

// Results are all figures of one `make bench`.
type Results struct {
	Date      time.Time  `json:"date"`
	Commit    string     `json:"commit"`
	NodeImage string     `json:"node_image"`
	Note      string     `json:"note,omitempty"`
	Machine   Machine    `json:"machine"`
	Scenarios []Scenario `json:"scenarios"`
	Memory    *Memory    `json:"memory,omitempty"`
	Image     *Image     `json:"image,omitempty"`
	Build     *Build     `json:"build,omitempty"`
}

// Figures are the per-run figures a scenario's summary covers, in table order.
var Figures = []string{"create_s", "app_s", "dns_s", "total_s", "cpu_s"}

func (r Run) figure(name string) float64 {
	switch name {
	case "create_s":
		return r.Create
	case "app_s":
		return r.App
	case "dns_s":
		return r.DNS
	case "total_s":
		return r.Total
	case "cpu_s":
		return r.CPU
	}
	panic("unknown figure " + name)
}

// Summarize fills in every summary from the runs.
func (r *Results) Summarize() {
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.Summary = map[string]Stats{}
		for _, f := range Figures {
			var xs []float64
			for _, run := range s.Runs {
				xs = append(xs, run.figure(f))
			}
			s.Summary[f] = Summarize(xs)
		}
	}
	if r.Memory != nil {
		r.Memory.AddonsStats = Summarize(r.Memory.AddonsMiB)
		r.Memory.NoAddonsStats = Summarize(r.Memory.NoAddonsMiB)
	}
}

// StepMedians are the median time of each step over a scenario's runs, in the order the
// steps first appear.
func (s Scenario) StepMedians() []Step {
	var order []string
	times := map[string][]float64{}
	for _, run := range s.Runs {
		for _, st := range run.Steps {
			if _, seen := times[st.Title]; !seen {
				order = append(order, st.Title)
			}
			times[st.Title] = append(times[st.Title], st.Seconds)
		}
	}
	out := make([]Step, 0, len(order))
	for _, title := range order {
		out = append(out, Step{Title: title, Seconds: Summarize(times[title]).Median})
	}
	return out
}

// stepLine is a finished step as `kubelab create cluster` prints it: " ✓ Title (1.2s)".
var stepLine = regexp.MustCompile(`^\s*✓ (.+) \(([0-9.hms]+)\)\s*$`)

// ParseSteps reads the finished steps out of what the create of cluster name printed;
// the name becomes NAME in their titles, so that the steps of runs compare.
func ParseSteps(output, name string) []Step {
	var out []Step
	for _, line := range strings.Split(output, "\n") {
		if name != "" {
			line = strings.ReplaceAll(line, name, "NAME")
		}
		m := stepLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		d, err := time.ParseDuration(m[2])
		if err != nil {
			continue
		}
		out = append(out, Step{Title: m[1], Seconds: d.Seconds()})
	}
	return out
}

// Write writes results.json and results.md into dir.
func Write(dir string, r *Results) error {
	r.Summarize()
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(Markdown(r)), 0o644)
}

// Stats are the minimum, median and maximum of some runs' figure.
type Stats struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// Summarize computes the Stats of xs (all zero when xs is empty); the median of an
// even number of figures is the mean of the middle two.
func Summarize(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stats{N: n, Min: s[0], Median: med, Max: s[n-1]}
}

// String formats Stats as "min / **median** / max" with one decimal.
func (s Stats) String() string {
	if s.N == 0 {
		return "—"
	}
	if s.N == 1 {
		return fmt.Sprintf("**%.1f**", s.Median)
	}
	return fmt.Sprintf("%.1f / **%.1f** / %.1f", s.Min, s.Median, s.Max)
}
