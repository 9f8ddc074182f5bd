package cmd

import (
	"strings"
	"testing"
)

// An unknown add-on name is refused before the daemon is used, naming the add-ons.
func TestAddonsUnknownName(t *testing.T) {
	for _, verb := range []string{"enable", "disable"} {
		f := twoClusters()
		_, _, err := run(t, f, "addons", verb, "registry", "--name", "lab")
		want := `no add-on named "registry": choose one of network-policy, storage, ingress, metrics-server, dashboard`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", verb, want, err)
		}
		if len(f.calls) != 0 {
			t.Errorf("%s: called the daemon: %v", verb, f.calls)
		}
	}
}
