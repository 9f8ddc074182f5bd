package benchreport

import (
	"fmt"
	"slices"
	"strings"
)

// figureTitles name Figures in the Markdown table.
var figureTitles = map[string]string{
	"create_s": "create: `kubelab create cluster` returns (s)",
	"app_s":    "app: then a Deployment of kubelab/echo behind a Service is Available (s)",
	"dns_s":    "dns: then a pod gets HTTP 200 from it by Service name (s)",
	"total_s":  "total (s)",
	"cpu_s":    "CPU of the create: kubelab + node containers (CPU-s)",
}

// Markdown renders the results as bench/results.md.
func Markdown(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# kubelab benchmark (`make bench`)\n\n")
	fmt.Fprintf(&b, "- date: %s\n", r.Date.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- commit: %s\n", r.Commit)
	fmt.Fprintf(&b, "- node image: %s\n", r.NodeImage)
	m := r.Machine
	fmt.Fprintf(&b, "- machine: %d cores, %d MiB memory, kernel %s, Docker %s, load average %s at the start\n",
		m.Cores, m.MemoryMiB, m.Kernel, m.Docker, m.LoadAverage)
	if r.Note != "" {
		fmt.Fprintf(&b, "- note: %s\n", r.Note)
	}
	b.WriteString("\nTimes follow minikube's time-to-k8s method, with the default add-ons on. " +
		"Each cell is min / **median** / max over the runs.\n\n")

	if len(r.Scenarios) > 0 {
		b.WriteString("| figure |")
		for _, s := range r.Scenarios {
			fmt.Fprintf(&b, " %s (%s) |", s.Name, plural(len(s.Runs), "run"))
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(r.Scenarios)) + "\n")
		for _, f := range Figures {
			fmt.Fprintf(&b, "| %s |", figureTitles[f])
			for _, s := range r.Scenarios {
				fmt.Fprintf(&b, " %s |", s.Summary[f])
			}
			b.WriteString("\n")
		}
		writeSteps(&b, r.Scenarios)
	}
	if mem := r.Memory; mem != nil {
		fmt.Fprintf(&b, "\n## Memory of the node container after %d s idle (single node, MiB)\n\n", mem.IdleSeconds)
		b.WriteString("| default add-ons | all add-ons off |\n|---|---|\n")
		fmt.Fprintf(&b, "| %s | %s |\n", mem.AddonsStats, mem.NoAddonsStats)
	}
	if img := r.Image; img != nil {
		fmt.Fprintf(&b, "\n## Node image %s\n\n", img.Ref)
		b.WriteString("| uncompressed | `docker save \\| gzip` |\n|---|---|\n")
		fmt.Fprintf(&b, "| %.0f MB | %.0f MB |\n", float64(img.Bytes)/1e6, float64(img.GzipBytes)/1e6)
	}
	if bl := r.Build; bl != nil {
		b.WriteString("\n## Warm builds (nothing changed)\n\n")
		b.WriteString("| `make node-image` | `make cluster` (node image, then a create) |\n|---|---|\n")
		fmt.Fprintf(&b, "| %.1f s | %.1f s |\n", bl.NodeImage, bl.Cluster)
	}
	return b.String()
}

// writeSteps adds the median time of each step of the create, per scenario.
func writeSteps(b *strings.Builder, scenarios []Scenario) {
	var order []string
	medians := make([]map[string]float64, len(scenarios))
	for i, s := range scenarios {
		medians[i] = map[string]float64{}
		for _, st := range s.StepMedians() {
			if !slices.Contains(order, st.Title) {
				order = append(order, st.Title)
			}
			medians[i][st.Title] = st.Seconds
		}
	}
	if len(order) == 0 {
		return
	}
	b.WriteString("\n## The create's own steps (median s)\n\n| step |")
	for _, s := range scenarios {
		fmt.Fprintf(b, " %s |", s.Name)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(scenarios)) + "\n")
	for _, title := range order {
		fmt.Fprintf(b, "| %s |", strings.ReplaceAll(title, "|", `\|`))
		for i := range scenarios {
			if v, ok := medians[i][title]; ok {
				fmt.Fprintf(b, " %.1f |", v)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
}

// plural is "1 run", "3 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
