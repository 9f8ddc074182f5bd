//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The summary counts each [Conformance] spec once over the parallel and serial reports,
// and keeps what a failed spec's log says.
func TestJUnitSummary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`<?xml version="1.0" encoding="UTF-8"?><testsuites><testsuite name="Kubernetes e2e suite">`+body+`</testsuite></testsuites>`), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	parallel := write("parallel.xml", `
<testcase name="[SynchronizedBeforeSuite]" status="passed"></testcase>
<testcase name="[It] [sig-network] DNS should provide DNS for services [Conformance] [sig-network, Conformance]" status="passed"></testcase>
<testcase name="[It] [sig-network] DNS should provide DNS for pods for Subdomain [Conformance] [sig-network, Conformance]" status="failed">
 <failure message="timed out waiting for the condition" type="failed">details</failure>
 <system-err>Dec  2 09:10:01.000: INFO: Unable to read agnhost_udp@dns-test-service-2 from pod dns-1: the server could not find the requested resource
Dec  2 09:10:03.000: INFO: Unable to read agnhost_udp@dns-test-service-2 from pod dns-1: the server could not find the requested resource
STEP: creating a pod to probe DNS</system-err>
</testcase>
<testcase name="[It] [sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance] [sig-apps, Serial, Conformance]" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] [sig-storage] CSI mock volume should work [Feature:X] [sig-storage]" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] [sig-node] Pods should be updated [Conformance] [sig-node, Conformance]" status="skipped"><skipped message="skipped"></skipped></testcase>`)
	serial := write("serial.xml", `
<testcase name="[It] [sig-network] DNS should provide DNS for services [Conformance] [sig-network, Conformance]" status="skipped"><skipped message="skipped"></skipped></testcase>
<testcase name="[It] [sig-apps] Daemon set [Serial] should rollback without unnecessary restarts [Conformance] [sig-apps, Serial, Conformance]" status="passed"></testcase>`)

	var s junitSummary
	for _, c := range []struct {
		path string
		ran  int
	}{{parallel, 2}, {serial, 1}} {
		ran, err := s.add(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if ran != c.ran {
			t.Errorf("%s: ran %d specs, want %d", filepath.Base(c.path), ran, c.ran)
		}
	}
	passed, skipped, failed := s.count()
	if passed != 2 || skipped != 1 || len(failed) != 1 {
		t.Fatalf("passed %d, skipped %d, failed %v; want 2, 1 and the Subdomain spec", passed, skipped, failed)
	}
	why := s.why[failed[0]]
	if !strings.HasPrefix(why, "timed out waiting for the condition") || strings.Count(why, "Unable to read agnhost_udp") != 1 || strings.Contains(why, "STEP") {
		t.Errorf("failure detail: %q; want the message and the unreadable name once", why)
	}
}
