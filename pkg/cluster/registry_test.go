package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/build/registry"
	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/ui"
)

// A create with a registry starts it and points every node at it before kubeadm runs;
// a failed create removes the nodes but keeps the registry, which other clusters share.
func TestCreateConnectsTheRegistry(t *testing.T) {
	f := newFake()
	f.images[registry.Image] = ""
	f.execFail = "kubeadm init"
	opts := createOpts(t, "lab")
	opts.Config.Nodes = append(opts.Config.Nodes, config.Node{Role: "worker"})
	opts.Config.Registry = &config.Registry{HostPort: 5002}
	if err := Create(context.Background(), f, ui.Discard(), opts); err == nil {
		t.Fatal("kubeadm init was to fail")
	}
	if f.registry == nil || f.registry.HostPort != 5002 || f.registry.Network != NetworkName || f.registry.Image != registry.Image {
		t.Errorf("registry: %+v", f.registry)
	}
	for _, n := range []string{"lab-control-plane", "lab-worker"} {
		if data := f.files[n+":/etc/containerd/certs.d/localhost:5002/hosts.toml"]; !strings.Contains(string(data), "kubelab-registry:5000") {
			t.Errorf("%s: hosts.toml %q", n, data)
		}
	}
}

func TestCreateWithRegistryNeedsItsImage(t *testing.T) {
	f := newFake()
	opts := createOpts(t, "lab")
	opts.Config.Registry = &config.Registry{HostPort: 5001}
	err := Create(context.Background(), f, ui.Discard(), opts)
	if err == nil || !strings.Contains(err.Error(), registry.Image) || len(f.nodes) != 0 {
		t.Errorf("want a refusal naming %s before anything is made, got %v (nodes %v)", registry.Image, err, f.nodes)
	}
}

// A registry that cannot start (its host port is busy) stops the create before any node
// is made.
func TestCreateStopsWhenTheRegistryCannotStart(t *testing.T) {
	f := newFake()
	f.images[registry.Image] = ""
	f.registryErr = errors.New("the local registry's host port 5001 is in use")
	opts := createOpts(t, "lab")
	opts.Config.Registry = &config.Registry{HostPort: 5001}
	err := Create(context.Background(), f, ui.Discard(), opts)
	if err == nil || !strings.Contains(err.Error(), "in use") || len(f.nodes) != 0 || len(f.volumes) != 0 {
		t.Errorf("got %v, nodes %v, volumes %v", err, f.nodes, f.volumes)
	}
}
