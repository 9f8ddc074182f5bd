package imagefs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kubelab/kubelab/pkg/build/gomod"
)

func TestMinorVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1:1.35.0-4+b3": "1.35", "1.22.1-9+deb12u2": "1.22", "2.4": "2.4", "garbage": "unknown", "": "unknown",
	} {
		if got := MinorVersion(in); got != want {
			t.Errorf("MinorVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// A dpkg database in miniature: closure follows Depends and Pre-Depends, takes the
// installed side of alternatives, and ignores what is not installed.
func TestDpkgClosureAndVersion(t *testing.T) {
	root := t.TempDir()
	status := `Package: iptables
Status: install ok installed
Version: 1.8.9-2
Depends: libc6 (>= 2.34), libxtables12 (= 1.8.9-2), netbase | something-else

Package: libc6
Status: install ok installed
Pre-Depends: libgcc-s1
Version: 2.36-9

Package: libgcc-s1
Status: install ok installed
Version: 12.2.0-14

Package: libxtables12
Status: install ok installed
Version: 1.8.9-2

Package: netbase
Status: install ok installed
Version: 6.4

Package: unrelated
Status: install ok installed
Version: 1

Package: removed
Status: deinstall ok config-files
Version: 1
`
	if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := dpkgClosure(root, []string{"iptables"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"iptables", "libc6", "libgcc-s1", "libxtables12", "netbase"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("closure %v, want %v", got, want)
	}
	if _, err := dpkgClosure(root, []string{"removed"}); err == nil {
		t.Error("a package that is not installed was accepted")
	}
	if v := DpkgVersion(root, "libc6"); v != "2.36-9" {
		t.Errorf("version %q", v)
	}
}

func TestReadPackageList(t *testing.T) {
	got := ReadPackageList([]byte("# the node's packages\nsystemd\n  iptables  # for kube-proxy\n\n\tconntrack\n#gone\n"))
	want := []string{"systemd", "iptables", "conntrack"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadPackageList = %q, want %q", got, want)
	}
}

func TestSourceCoversThePackage(t *testing.T) {
	if err := gomod.CheckSource(Source); err != nil {
		t.Error(err)
	}
}
