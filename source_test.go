package kubelab

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/internal/importgraph"
)

// embeddedPackages lists the directories of Source that hold Go packages.
func embeddedPackages(t *testing.T) []string {
	t.Helper()
	dirs := map[string]bool{}
	err := fs.WalkDir(Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dirs[path.Dir(p)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(dirs))
}

// The node-image builder compiles the programs in Source from Source alone: every package
// of this module that they import, directly or not, must be embedded too (source.go's
// list is written by hand).
func TestSourceHoldsEveryImportedPackage(t *testing.T) {
	pkgs := embeddedPackages(t)
	var cmds []string
	for _, d := range pkgs {
		if strings.HasPrefix(d, "cmd/") {
			cmds = append(cmds, d)
		}
	}
	if len(cmds) == 0 {
		t.Fatal("Source holds no program under cmd/")
	}
	closure, err := importgraph.Closure(".", pkgs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range closure {
		if !slices.Contains(pkgs, d) {
			t.Errorf("the programs in Source import the package in %s, which source.go does not embed", d)
		}
	}
}
