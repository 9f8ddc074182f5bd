package nodeimage

import (
	"testing"

	"github.com/kubelab/kubelab/internal/importgraph"
	"github.com/kubelab/kubelab/pkg/build/gomod"
)

// Every Go file of this package is part of the node image's inputs: a file added to the
// package cannot drop out of the hash.
func TestSourceCoversThePackage(t *testing.T) {
	if err := gomod.CheckSource(Source); err != nil {
		t.Error(err)
	}
}

// Sources holds every package of pkg/build that this one builds on, and no other.
func TestSourcesCoverEveryBuildPackage(t *testing.T) {
	var dirs []string
	for _, s := range Sources() {
		dirs = append(dirs, s.Dir)
	}
	if err := importgraph.CheckCovers("../../..", Source.Dir, "pkg/build/", dirs); err != nil {
		t.Errorf("Sources() of the node image: %v", err)
	}
}
