package cluster

import (
	"context"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/ui"
)

func TestNodeImageOfAnotherVersionIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	for v, want := range map[string]string{
		"v1.30.4":  "is Kubernetes v1.30.4, but this kubelab creates v1.31 to v1.37 clusters",
		"v1.99.0":  "is Kubernetes v1.99.0",
		"v2.0.0":   "is Kubernetes v2.0.0",
		"latest":   `says it is Kubernetes "latest", which is not a version`,
		"v1.31.0":  "",
		"v1.36.1":  "",
		"v1.37.2":  "",
		"v1.37.99": "",
	} {
		err := checkNodeVersion("kubelab/node:x", v)
		if want == "" {
			if err != nil {
				t.Errorf("%s refused: %v", v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "kubelab build node-image --kubernetes-version v1.37.2") {
			t.Errorf("%s: got %v, want %q and how to build a good image", v, err, want)
		}
	}

	f := newFake()
	f.images["kubelab/node:old"] = "v1.29.0"
	opts := createOpts(t, "lab")
	opts.Config.Image = "kubelab/node:old"
	if err := Create(context.Background(), f, ui.Discard(), opts); err == nil || !strings.Contains(err.Error(), "v1.29.0") {
		t.Fatalf("create with a v1.29 node image: %v", err)
	}
	if len(f.nodes) != 0 || len(f.volumes) != 0 || f.network {
		t.Errorf("refused create left nodes=%v volumes=%v network=%v", f.nodes, f.volumes, f.network)
	}
}
