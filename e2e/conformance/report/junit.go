// Package report reads the ginkgo JUnit reports of a conformance run into one outcome
// per [Conformance] spec, and writes the run's summary, conformance/results.md.
package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Summary holds each [Conformance] spec's outcome (or each selected spec's) over the
// reports added to it.
type Summary struct {
	// why holds, per failed spec, its failure message and the lines of its log that say
	// what it waited for: CI prints them, so a failure is understood from CI's output.
	why map[string]string
	// seen records each [Conformance] spec's best outcome over the reports: the parallel
	// part skips the [Serial] specs the serial part runs, and the other way round.
	seen map[string]string
	// Specs selects the specs counted, by name; nil counts the [Conformance] ones.
	Specs *regexp.Regexp
}

// counts says whether a spec is one the summary is about.
func (s *Summary) counts(name string) bool {
	if s.Specs == nil {
		return strings.Contains(name, "[Conformance]")
	}
	return s.Specs.MatchString(name)
}

// Add counts the specs of a ginkgo JUnit report; ran is how many of its specs ran.
func (s *Summary) Add(path string) (ran int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	type failure struct {
		Message string `xml:"message,attr"`
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Failure   *failure  `xml:"failure"`
				Error     *failure  `xml:"error"`
				Skipped   *struct{} `xml:"skipped"`
				SystemErr string    `xml:"system-err"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if s.seen == nil {
		s.seen, s.why = map[string]string{}, map[string]string{}
	}
	for _, su := range suites.Suites {
		for _, c := range su.Cases {
			f := c.Failure
			if f == nil {
				f = c.Error
			}
			name := strings.TrimPrefix(c.Name, "[It] ") // specs: "[It] [sig-...] ..."
			switch {
			case !strings.HasPrefix(name, "[sig-"):
				// Ginkgo's suite-level nodes ([SynchronizedBeforeSuite], [ReportAfterSuite]
				// ...): not specs, but their failure fails the run.
				if f != nil {
					s.seen[c.Name] = "failed"
					s.why[c.Name] = failureDetail(f.Message, c.SystemErr)
				}
			case !s.counts(name):
				// Specs outside the suite (not selected): the report lists them as skipped.
			case f != nil:
				ran++
				s.seen[name] = "failed"
				s.why[name] = failureDetail(f.Message, c.SystemErr)
			case c.Skipped != nil:
				if s.seen[name] == "" {
					s.seen[name] = "skipped"
				}
			default:
				ran++
				if s.seen[name] != "failed" {
					s.seen[name] = "passed"
				}
			}
		}
	}
	return ran, nil
}

// Count tallies the specs' outcomes over the reports added so far; failed is sorted.
func (s *Summary) Count() (passed, skipped int, failed []string) {
	for name, outcome := range s.seen {
		switch outcome {
		case "passed":
			passed++
		case "skipped":
			skipped++
		case "failed":
			failed = append(failed, name)
		}
	}
	sort.Strings(failed)
	return passed, skipped, failed
}

// Why is a failed spec's failure message followed by the telling lines of its log.
func (s *Summary) Why(spec string) string { return s.why[spec] }

// The log lines of a failed spec worth printing: what it could not read or resolve,
// errors and timeouts.
var (
	telling   = regexp.MustCompile(`(?i)unable to|failed|error|timed out|expected|instead of|not ready|backoff|refused`)
	timestamp = regexp.MustCompile(`^[A-Z][a-z]{2} +\d+ [0-9:.]+: `)
)

// failureDetail is a failed spec's message and, from its log, the last telling lines.
func failureDetail(message, log string) string {
	const maxLines = 12
	var lines []string
	seen := map[string]bool{}
	for _, l := range strings.Split(log, "\n") {
		l = strings.TrimSpace(l)
		// Timestamps make every repeat of a line unique: compare without them.
		key := timestamp.ReplaceAllString(l, "")
		if l == "" || !telling.MatchString(l) || seen[key] {
			continue
		}
		seen[key] = true
		lines = append(lines, l)
	}
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	if len(message) > 1500 {
		message = message[:1500] + " ..."
	}
	return strings.TrimSpace(message) + "\n  log: " + strings.Join(lines, "\n  log: ")
}
