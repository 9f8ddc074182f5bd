package conformance

import (
	"slices"
	"testing"

	"github.com/kubelab/kubelab/pkg/build/nodeimage"
)

// The images built and derived are exactly the ones the suite names, plus the registry,
// which runs on the host.
func TestTestImagesAreTheSuites(t *testing.T) {
	b := &builder{rel: nodeimage.Release{Kubernetes: "v1.37.2"}, bins: map[string]string{}}
	var loaded []string
	for _, img := range b.testImages() {
		if img.HostOnly {
			if img.Ref != RegistryImage {
				t.Errorf("%s runs on the host", img.Ref)
			}
			continue
		}
		loaded = append(loaded, img.Ref)
	}
	loaded = append(loaded, agnhostRefs[1:]...)
	want := append(append([]string{}, agnhostRefs...), conformanceImageRefs...)
	slices.Sort(loaded)
	slices.Sort(want)
	if !slices.Equal(loaded, want) {
		t.Errorf("images %v\nthe suite's %v", loaded, want)
	}
}
