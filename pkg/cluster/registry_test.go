package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/build/registry"
	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/ui"
)

// A create with a registry starts it and points every node at it before kubeadm runs;
// a failed create removes the nodes, and the registry too when it made it from nothing.
func TestCreateConnectsTheRegistry(t *testing.T) {
	f := newFake()
	f.images[registry.Image] = ""
	f.execFail = "kubeadm init"
	var during *docker.RegistrySpec // the registry as kubeadm init found it
	f.onExec = func(line string) {
		if strings.Contains(line, "kubeadm init") {
			during = f.registry
		}
	}
	opts := createOpts(t, "lab")
	opts.Config.Nodes = append(opts.Config.Nodes, config.Node{Role: "worker"})
	opts.Config.Registry = &config.Registry{HostPort: 5002}
	if err := Create(context.Background(), f, ui.Discard(), opts); err == nil {
		t.Fatal("kubeadm init was to fail")
	}
	if during == nil || during.HostPort != 5002 || during.Network != NetworkName || during.Image != registry.Image {
		t.Errorf("registry: %+v", during)
	}
	for _, n := range []string{"lab-control-plane", "lab-worker"} {
		if data := f.files[n+":/etc/containerd/certs.d/localhost:5002/hosts.toml"]; !strings.Contains(string(data), "kubelab-registry:5000") {
			t.Errorf("%s: hosts.toml %q", n, data)
		}
	}
	if f.registry != nil {
		t.Errorf("the registry this failed create made is still there: %+v", f.registry)
	}
}

// A registry that ran before the create (with images in its volume, maybe used by other
// clusters) stays when the create fails.
func TestFailedCreateKeepsARegistryThatWasThere(t *testing.T) {
	f := newFake()
	f.images[registry.Image] = ""
	f.execFail = "kubeadm init"
	f.registry = &docker.RegistrySpec{Name: RegistryName, HostPort: 5002}
	opts := createOpts(t, "lab")
	opts.Config.Registry = &config.Registry{HostPort: 5002}
	if err := Create(context.Background(), f, ui.Discard(), opts); err == nil {
		t.Fatal("kubeadm init was to fail")
	}
	if f.registry == nil || len(f.nodes) != 0 {
		t.Errorf("registry %+v, nodes %v after the rollback", f.registry, f.nodes)
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
