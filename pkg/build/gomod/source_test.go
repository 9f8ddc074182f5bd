package gomod

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// CheckSource is what each builder package's test calls: this package checks itself.
func TestSourceCoversThePackage(t *testing.T) {
	if err := CheckSource(Source); err != nil {
		t.Error(err)
	}
}

// Only non-test Go files count, and a change to any of them changes the hash.
func TestHashSources(t *testing.T) {
	src := func(files fstest.MapFS) PackageSource { return PackageSource{Dir: "pkg/x", Files: files} }
	base := fstest.MapFS{"a.go": {Data: []byte("package x")}, "b.go": {Data: []byte("package x // b")}}
	h0, err := HashSources(src(base))
	if err != nil {
		t.Fatal(err)
	}
	withTest := fstest.MapFS{"a.go": base["a.go"], "b.go": base["b.go"], "a_test.go": {Data: []byte("package x // test")}}
	if h, _ := HashSources(src(withTest)); h != h0 {
		t.Error("a test file changed the hash")
	}
	files, _ := src(withTest).GoFiles()
	if !reflect.DeepEqual(files, []string{"a.go", "b.go"}) {
		t.Errorf("GoFiles = %v", files)
	}
	changed := fstest.MapFS{"a.go": base["a.go"], "b.go": {Data: []byte("package x // b2")}}
	if h, _ := HashSources(src(changed)); h == h0 {
		t.Error("a changed file kept the hash")
	}
	moved := PackageSource{Dir: "pkg/y", Files: base}
	if h, _ := HashSources(moved); h == h0 {
		t.Error("the package's directory is not part of the hash")
	}
	if _, err := HashSources(src(fstest.MapFS{})); err == nil {
		t.Error("an empty source was accepted")
	}
}

// CheckSource fails when a file of the directory is not embedded, or Dir is wrong.
func TestCheckSourceFindsGaps(t *testing.T) {
	wd, _ := os.Getwd()
	partial := fstest.MapFS{"builder.go": {Data: []byte("package gomod")}}
	if err := CheckSource(PackageSource{Dir: "pkg/build/gomod", Files: partial}); err == nil || !strings.Contains(err.Error(), "hash.go") {
		t.Errorf("a partial source passed the check (err %v, in %s)", err, wd)
	}
	if err := CheckSource(PackageSource{Dir: "pkg/build/other", Files: Source.Files}); err == nil {
		t.Error("a source with the wrong directory passed the check")
	}
}
