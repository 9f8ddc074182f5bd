package cmd

import (
	"strings"
	"testing"
)

func TestRegistryStatusAndDelete(t *testing.T) {
	f := &fakeDaemon{}
	out, _, err := run(t, f, "registry", "status")
	if err != nil || !strings.Contains(out, "kubelab-registry") || !strings.Contains(out, "localhost:5001") || !strings.Contains(out, "kubelab-registry-data") {
		t.Errorf("status printed %q, %v", out, err)
	}
	out, _, err = run(t, f, "registry", "status", "-o", "json")
	if err != nil || !strings.Contains(out, `"hostPort": 5001`) {
		t.Errorf("status -o json printed %q, %v", out, err)
	}
	if _, _, err := run(t, f, "registry", "delete", "-q"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(f.calls, "\n"), "RemoveRegistry kubelab-registry") {
		t.Errorf("calls: %v", f.calls)
	}
}
