package gomod

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// The hashes below name binaries already in users' caches (a cold Kubernetes build takes
// half an hour): the encoding of Wrapper and Build must not change by accident.
func TestHashOfIsStable(t *testing.T) {
	w := Wrapper{Name: "demo-v1.2.3", Module: "example.com/demo", Version: "v1.2.3", GoDirective: "1.25.0",
		Godebug: []string{"default=go1.24"}, Replace: []string{"example.com/a => example.com/a v0.1.0"},
		Exclude: []string{"example.com/b v0.0.1"}, Tools: []string{"example.com/demo/cmd/demo"},
		Files: map[string][]byte{"main.go": []byte("package main\n")}}
	builds := []Build{
		{Packages: []string{"example.com/demo/cmd/demo"}, Output: "demo", Tags: []string{"netgo"}, Ldflags: []string{"-X main.v=1"}},
		{Packages: []string{"."}, CGO: true, Test: true},
	}
	if got, want := HashOf(w, builds, "", "go1.26.8"), "5b0c0c5dd54b1554"; got != want {
		t.Errorf("HashOf(full wrapper) = %s, want %s", got, want)
	}
	if got, want := HashOf(Wrapper{Name: "x"}, []Build{{Packages: []string{"."}}}, "abc", "go1.26.8"), "f9fa305b0ce46c76"; got != want {
		t.Errorf("HashOf(empty wrapper) = %s, want %s", got, want)
	}
	if HashOf("a", "b") == HashOf("ab") {
		t.Error("parts are not separated")
	}
}

// HashFS sees names and contents.
func TestHashFS(t *testing.T) {
	base := fstest.MapFS{"a/x.txt": {Data: []byte("one")}, "b.txt": {Data: []byte("two")}}
	h0, err := HashFS(base)
	if err != nil {
		t.Fatal(err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"renamed":  {"a/y.txt": {Data: []byte("one")}, "b.txt": {Data: []byte("two")}},
		"changed":  {"a/x.txt": {Data: []byte("one!")}, "b.txt": {Data: []byte("two")}},
		"extended": {"a/x.txt": {Data: []byte("one")}, "b.txt": {Data: []byte("two")}, "c": {}},
	} {
		if h, _ := HashFS(fsys); h == h0 {
			t.Errorf("%s tree hashes as the original", name)
		}
	}
	if h, _ := HashFS(fstest.MapFS{"b.txt": {Data: []byte("two")}, "a/x.txt": {Data: []byte("one")}}); h != h0 {
		t.Error("the same tree hashed differently")
	}
}

func TestFileHashes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; sum != want {
		t.Errorf("FileSHA256 = %s, want %s", sum, want)
	}
	id, err := BinaryHash(p)
	if err != nil {
		t.Fatal(err)
	}
	if id != HashOf(p, int64(3)) {
		t.Errorf("BinaryHash = %s, want the hash of path and size", id)
	}
	if _, err := BinaryHash(p + ".missing"); err == nil {
		t.Error("a missing binary has a hash")
	}
}
