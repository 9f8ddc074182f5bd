//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/docker/docker/client"
)

// hostSnapshot is what the soak compares before a create and after the delete: the
// host's iptables rules (Docker programs the host's tables for each published port) and
// the entries of kubelab's state directories.
type hostSnapshot struct {
	iptables []string // iptables-save, counters and comments dropped
	chains   map[string]bool
}

// snapshotHost reads `iptables-save` (a host tool: the test compares what kubelab and
// Docker leave on the host, not what kubelab believes).
func snapshotHost(t *testing.T) hostSnapshot {
	t.Helper()
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatalf("iptables-save: %v", err)
	}
	s := hostSnapshot{chains: map[string]bool{}}
	counters := regexp.MustCompile(`\[\d+:\d+\]`)
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, ":"):
			s.chains[strings.Fields(l)[0]] = true
		default:
			s.iptables = append(s.iptables, counters.ReplaceAllString(l, ""))
		}
	}
	return s
}

// assertNoHostLeaks compares the host with before: rules and chains that mention one of
// the cluster's node addresses or its API server port are the cluster's and must be
// gone; other rules added meanwhile (another program's containers) are only logged. It
// also checks that no file or directory named after the cluster is left under
// kubelab's cache directory (the `kubelab kubectl` kubeconfig and binaries) or the
// temporary directory.
func assertNoHostLeaks(t *testing.T, before hostSnapshot, name string, nodeIPs []string, apiPort string) {
	t.Helper()
	after := snapshotHost(t)
	seen := map[string]int{}
	for _, l := range before.iptables {
		seen[l]++
	}
	var added []string
	for _, l := range after.iptables {
		if seen[l] > 0 {
			seen[l]--
			continue
		}
		added = append(added, l)
	}
	for _, l := range added {
		ours := apiPort != "" && strings.Contains(l, "--dport "+apiPort+" ")
		for _, ip := range nodeIPs {
			ours = ours || regexp.MustCompile(`\b`+regexp.QuoteMeta(ip)+`(/32|:|\s|$)`).MatchString(l)
		}
		if ours {
			t.Errorf("host iptables rule of deleted cluster %s left: %s", name, l)
		} else {
			t.Logf("host iptables rule added meanwhile, not the cluster's: %s", l)
		}
	}
	var newChains []string
	for c := range after.chains {
		if !before.chains[c] {
			newChains = append(newChains, c)
		}
	}
	sort.Strings(newChains)
	if len(newChains) > 0 {
		t.Errorf("host iptables chains added and left: %v", newChains)
	}
	t.Logf("host iptables: %d rules and %d chains before, %d and %d after",
		len(before.iptables), len(before.chains), len(after.iptables), len(after.chains))

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = filepath.Join(os.TempDir(), "kubelab-cache")
	} else {
		cache = filepath.Join(cache, "kubelab")
	}
	for _, dir := range []string{cache, os.TempDir()} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), name) {
				t.Errorf("%s left of deleted cluster %s", filepath.Join(dir, e.Name()), name)
			}
		}
	}
}

// nodeAddresses are the addresses of a cluster's containers on the kubelab network.
func nodeAddresses(t *testing.T, api *client.Client, name string) []string {
	t.Helper()
	var ips []string
	for _, ip := range containerIPs(t, api, name) {
		ips = append(ips, ip)
	}
	return ips
}
