package imagefs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
)

type entry struct {
	typ  byte
	mode int64
	link string
	data string
}

// readTar lists a tar stream's entries in order, by name.
func readTar(t *testing.T, r io.Reader) ([]string, map[string]entry) {
	t.Helper()
	var names []string
	entries := map[string]entry{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if _, dup := entries[hdr.Name]; dup {
			t.Errorf("%s written twice", hdr.Name)
		}
		names = append(names, hdr.Name)
		entries[hdr.Name] = entry{hdr.Typeflag, hdr.Mode, hdr.Linkname, string(data)}
	}
}

func mkfile(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Our files go in first with their parent directories; a root filesystem copied after
// them keeps what it does not replace, hard links included.
func TestTarLayersOurFilesOverARootFilesystem(t *testing.T) {
	root := t.TempDir()
	mkfile(t, root, "etc/hostname", "debian\n")
	mkfile(t, root, "etc/os-release", "ID=debian\n")
	mkfile(t, root, "usr/bin/a", "binary")
	if err := os.Link(filepath.Join(root, "usr/bin/a"), filepath.Join(root, "usr/bin/b")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("usr/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	tw := NewTar(&buf)
	steps := []error{
		tw.File("/etc/hostname", 0o644, []byte("node\n")),
		tw.Embedded(fstest.MapFS{
			"base/rootfs/usr/local/bin/entrypoint": {Data: []byte("#!/bin/sh\n")},
			"base/rootfs/etc/motd":                 {Data: []byte("hi\n")},
		}, "base/rootfs"),
		tw.Symlink("etc/systemd/system/getty.target", "/dev/null"),
		tw.Dir("tmp", 0o1777),
		tw.Tree(root),
		tw.Close(),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	names, got := readTar(t, &buf)
	if names[0] != "etc/" || names[1] != "etc/hostname" {
		t.Errorf("parent directory not written first: %v", names[:2])
	}
	want := map[string]entry{
		"etc/hostname":                    {typ: tar.TypeReg, mode: 0o644, data: "node\n"},
		"etc/motd":                        {typ: tar.TypeReg, mode: 0o644, data: "hi\n"},
		"usr/local/bin/entrypoint":        {typ: tar.TypeReg, mode: 0o755, data: "#!/bin/sh\n"},
		"etc/systemd/system/getty.target": {typ: tar.TypeSymlink, mode: 0o777, link: "/dev/null"},
		"tmp/":                            {typ: tar.TypeDir, mode: 0o1777},
		"etc/os-release":                  {typ: tar.TypeReg, mode: 0o644, data: "ID=debian\n"},
		"bin":                             {typ: tar.TypeSymlink, mode: 0o777, link: "usr/bin"},
	}
	for name, w := range want {
		if g := got[name]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %+v, want %+v", name, g, w)
		}
	}
	// One of a and b carries the data (whichever the walk met first), the other links to it.
	a, b := got["usr/bin/a"], got["usr/bin/b"]
	if a.typ != tar.TypeReg || a.data != "binary" || b.typ != tar.TypeLink || b.link != "usr/bin/a" {
		t.Errorf("hard link: a %+v, b %+v", a, b)
	}
}

// Subset takes a package's files and its dependencies', through the merged-/usr links,
// with the alternatives that point into them, and nothing else.
func TestSubset(t *testing.T) {
	root := t.TempDir()
	mkfile(t, root, "var/lib/dpkg/status", `Package: iptables
Status: install ok installed
Depends: libc6

Package: libc6
Status: install ok installed

Package: unrelated
Status: install ok installed
`)
	mkfile(t, root, "var/lib/dpkg/info/iptables.list", "/.\n/usr\n/usr/sbin\n/usr/sbin/iptables-nft\n")
	mkfile(t, root, "var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib64\n/lib64/ld.so\n")
	mkfile(t, root, "var/lib/dpkg/info/unrelated.list", "/usr/bin/unrelated\n")
	mkfile(t, root, "usr/sbin/iptables-nft", "nft")
	mkfile(t, root, "usr/lib64/ld.so", "loader")
	mkfile(t, root, "usr/bin/unrelated", "no")
	for link, target := range map[string]string{
		"lib64":                     "usr/lib64",
		"etc/alternatives/iptables": "/usr/sbin/iptables-nft",
		"usr/sbin/iptables":         "/etc/alternatives/iptables",
		"etc/alternatives/other":    "/usr/bin/unrelated",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, link)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	tw := NewTar(&buf)
	if err := Subset(root, "iptables")(tw); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := readTar(t, &buf)
	for _, name := range []string{"lib64", "usr/lib64/ld.so", "usr/sbin/iptables-nft", "etc/alternatives/iptables", "usr/sbin/iptables"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	for _, name := range []string{"usr/bin/unrelated", "etc/alternatives/other", "var/lib/dpkg/status"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s copied", name)
		}
	}
}
