package report

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// knownFailures explain, by a pattern of the spec name, the specs that cannot pass on
// these machines; results.md quotes the reason next to each such failure.
var knownFailures = map[string]string{}

// Run is what results.md says about a full run besides the specs' outcomes.
type Run struct {
	NodeImage string        // the node image, kubelab/node:<Kubernetes version>
	Took      time.Duration // the whole run's wall time
	Parts     []string      // "<part> part: <wall time>", one per ginkgo run
	Procs     string        // ginkgo --procs of the parallel part
	// Title and About head the file; empty: those of the [Conformance] suite's results.md.
	Title, About string
}

// WriteResults keeps the latest full run's summary in the repository, at path.
func WriteResults(path string, s *Summary, run Run) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(Results(s, run)), 0o644)
}

// Results is the text of results.md: the run, this machine, the outcome table, and
// each failure with its reason and message.
func Results(s *Summary, run Run) string {
	host, _ := os.Hostname()
	var b strings.Builder
	title, about := run.Title, run.About
	if title == "" {
		title, about = "Conformance results", "Latest full run of the upstream [Conformance] suite (`make conformance`)."
	}
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title, about)
	fmt.Fprintf(&b, "- Date: %s\n- Kubernetes: %s (node image %s)\n- Machine: %s, %d CPUs, %s/%s\n- Cluster: 1 control plane + 2 workers\n- Wall time: %s (%s; the parallel part with ginkgo --procs=%s)\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), strings.TrimPrefix(run.NodeImage, "kubelab/node:"), run.NodeImage, host, runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, run.Took.Round(time.Second), strings.Join(run.Parts, ", "), run.Procs)
	passed, skipped, failed := s.Count()
	fmt.Fprintf(&b, "| passed | failed | skipped |\n|---|---|---|\n| %d | %d | %d |\n\n", passed, len(failed), skipped)
	if len(failed) > 0 {
		b.WriteString("## Failures\n\n")
		for _, f := range failed {
			why := "not explained: a kubelab bug until shown otherwise"
			for pattern, reason := range knownFailures {
				if regexp.MustCompile(pattern).MatchString(f) {
					why = reason
				}
			}
			fmt.Fprintf(&b, "- %s\n  - %s\n  - failure: %s\n", f, why, strings.SplitN(s.why[f], "\n", 2)[0])
		}
	}
	return b.String()
}
