package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeReport writes a ginkgo JUnit report holding the testcases of body.
func writeReport(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(`<?xml version="1.0" encoding="UTF-8"?><testsuites><testsuite name="Kubernetes e2e suite">`+body+`</testsuite></testsuites>`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// summarize adds the reports in order and checks how many specs each ran.
func summarize(t *testing.T, reports map[string]int, order ...string) *Summary {
	t.Helper()
	var s Summary
	for _, p := range order {
		ran, err := s.Add(p)
		if err != nil {
			t.Fatal(err)
		}
		if ran != reports[p] {
			t.Errorf("%s: ran %d specs, want %d", filepath.Base(p), ran, reports[p])
		}
	}
	return &s
}

const (
	dnsServices  = "[sig-network] DNS should provide DNS for services [Conformance] [sig-network, Conformance]"
	dnsSubdomain = "[sig-network] DNS should provide DNS for pods for Subdomain [Conformance] [sig-network, Conformance]"
	daemonSet    = "[sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance] [sig-apps, Serial, Conformance]"
)

// The parallel and serial reports of a full run: each skips the specs the other runs.
const parallelReport = `
<testcase name="[SynchronizedBeforeSuite]" status="passed"></testcase>
<testcase name="[It] ` + dnsServices + `" status="passed"></testcase>
<testcase name="[It] ` + dnsSubdomain + `" status="failed">
 <failure message="timed out waiting for the condition" type="failed">details</failure>
 <system-err>Dec  2 09:10:01.000: INFO: Unable to read agnhost_udp@dns-test-service-2 from pod dns-1: the server could not find the requested resource
Dec  2 09:10:03.000: INFO: Unable to read agnhost_udp@dns-test-service-2 from pod dns-1: the server could not find the requested resource
STEP: creating a pod to probe DNS</system-err>
</testcase>
<testcase name="[It] ` + daemonSet + `" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] [sig-storage] CSI mock volume should work [Feature:X] [sig-storage]" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] [sig-node] Pods should be updated [Conformance] [sig-node, Conformance]" status="skipped"><skipped message="skipped"></skipped></testcase>`

const serialReport = `
<testcase name="[It] ` + dnsServices + `" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] ` + daemonSet + `" status="passed"></testcase>`

// The summary counts each [Conformance] spec once over the parallel and serial reports,
// and keeps what a failed spec's log says.
func TestSummaryOverParallelAndSerial(t *testing.T) {
	parallel, serial := writeReport(t, "parallel.xml", parallelReport), writeReport(t, "serial.xml", serialReport)
	s := summarize(t, map[string]int{parallel: 2, serial: 1}, parallel, serial)
	passed, skipped, failed := s.Count()
	if passed != 2 || skipped != 1 || len(failed) != 1 || failed[0] != dnsSubdomain {
		t.Fatalf("passed %d, skipped %d, failed %v; want 2, 1 and the Subdomain spec", passed, skipped, failed)
	}
	why := s.Why(failed[0])
	if !strings.HasPrefix(why, "timed out waiting for the condition") || strings.Count(why, "Unable to read agnhost_udp") != 1 || strings.Contains(why, "STEP") {
		t.Errorf("failure detail: %q; want the message and the unreadable name once", why)
	}
}

// A spec that passes in one report and is skipped in the other counts once, as passed,
// whichever report comes first; a failure in either report wins over a pass.
func TestSummaryBestOutcomeOnce(t *testing.T) {
	pass := writeReport(t, "pass.xml", `<testcase name="[It] `+dnsServices+`" status="passed"></testcase>`)
	skip := writeReport(t, "skip.xml", `<testcase name="[It] `+dnsServices+`" status="skipped"><skipped message="skipped"></skipped></testcase>`)
	fail := writeReport(t, "fail.xml", `<testcase name="[It] `+dnsServices+`" status="failed"><failure message="boom" type="failed"></failure></testcase>`)
	ran := map[string]int{pass: 1, skip: 0, fail: 1}
	for _, c := range []struct {
		order                  []string
		passed, skipped, nfail int
	}{
		{[]string{pass, skip}, 1, 0, 0},
		{[]string{skip, pass}, 1, 0, 0},
		{[]string{skip, skip}, 0, 1, 0},
		{[]string{pass, fail}, 0, 0, 1},
		{[]string{fail, pass}, 0, 0, 1},
	} {
		passed, skipped, failed := summarize(t, ran, c.order...).Count()
		if passed != c.passed || skipped != c.skipped || len(failed) != c.nfail {
			t.Errorf("%s then %s: passed %d, skipped %d, failed %v; want %d, %d, %d", filepath.Base(c.order[0]), filepath.Base(c.order[1]),
				passed, skipped, failed, c.passed, c.skipped, c.nfail)
		}
	}
}

// A failed suite-level node (not a spec) fails the run, listed with its message; an
// <error> counts as a failure like <failure>.
func TestSummaryFailuresWithMessage(t *testing.T) {
	p := writeReport(t, "r.xml", `
<testcase name="[SynchronizedBeforeSuite]" status="failed"><failure message="nodes not ready" type="failed"></failure></testcase>
<testcase name="[It] `+dnsServices+`" status="errored"><error message="panic in spec" type="errored"></error></testcase>`)
	s := summarize(t, map[string]int{p: 1}, p)
	_, _, failed := s.Count()
	want := []string{"[SynchronizedBeforeSuite]", dnsServices}
	if strings.Join(failed, "|") != strings.Join(want, "|") {
		t.Fatalf("failed %q, want %q", failed, want)
	}
	if why := s.Why("[SynchronizedBeforeSuite]"); !strings.HasPrefix(why, "nodes not ready\n") {
		t.Errorf("suite node's failure detail: %q", why)
	}
	if why := s.Why(dnsServices); !strings.HasPrefix(why, "panic in spec\n") {
		t.Errorf("errored spec's failure detail: %q", why)
	}
}

// A report that is not XML is an error naming the file.
func TestSummaryBadReport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(p, []byte("<testsuites><testsuite>"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if _, err := s.Add(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Add(%s) = %v, want an error naming the file", p, err)
	}
	if _, err := s.Add(filepath.Join(t.TempDir(), "missing.xml")); err == nil {
		t.Error("a missing report was read")
	}
}

// The log's telling lines: the last twelve, each once whatever its timestamp.
func TestFailureDetailKeepsTheLastTellingLines(t *testing.T) {
	var log []string
	for i := 0; i < 20; i++ {
		log = append(log, "Dec  2 09:10:01.000: INFO: Unable to read name-"+string(rune('a'+i)), "STEP: waiting")
	}
	got := failureDetail("msg", strings.Join(log, "\n"))
	lines := strings.Split(got, "\n  log: ")
	if len(lines) != 13 || lines[0] != "msg" || !strings.HasSuffix(lines[1], "name-i") || !strings.HasSuffix(lines[12], "name-t") {
		t.Errorf("failure detail:\n%s", got)
	}
}
