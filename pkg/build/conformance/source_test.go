package conformance

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/internal/importgraph"
	"github.com/kubelab/kubelab/pkg/build/gomod"
)

// Every Go file of this package is part of the test images' inputs.
func TestSourceCoversThePackage(t *testing.T) {
	if err := gomod.CheckSource(Source); err != nil {
		t.Error(err)
	}
}

// Sources holds every package of pkg/build that this one builds on, and no other.
func TestSourcesCoverEveryBuildPackage(t *testing.T) {
	closure, err := importgraph.Closure("../../..", Source.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, dir := range closure {
		if strings.HasPrefix(dir, "pkg/build/") {
			want = append(want, dir)
		}
	}
	var got []string
	for _, s := range Sources() {
		got = append(got, s.Dir)
	}
	if !reflect.DeepEqual(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("Sources() covers %v; the test images are made by %v", got, want)
	}
}
