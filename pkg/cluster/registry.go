package cluster

import (
	"context"
	"fmt"
	"path"

	"github.com/kubelab/kubelab/pkg/build/registry"
	"github.com/kubelab/kubelab/pkg/docker"
)

// The host's local registry: one container and one volume, shared by every cluster
// created with --registry or a [registry] table.
const (
	RegistryName   = "kubelab-registry"
	RegistryVolume = "kubelab-registry-data"
)

// RegistrySpec is the local registry published on hostPort (0 when only inspecting or
// removing it).
func RegistrySpec(hostPort int) docker.RegistrySpec {
	return docker.RegistrySpec{Name: RegistryName, Image: registry.Image, Volume: RegistryVolume, DataDir: registry.DataDir,
		Port: registry.Port, HostPort: hostPort, Network: NetworkName}
}

// RegistryHosts is the containerd hosts.toml that makes a node pull localhost:<hostPort>
// images from the registry container on the kubelab network: the same image name works
// on the host (docker push localhost:5001/app:1) and in pods. The node image's
// containerd reads /etc/containerd/certs.d (config_path), per pull, so no restart.
func RegistryHosts(hostPort int) (file string, data []byte) {
	host := fmt.Sprintf("localhost:%d", hostPort)
	data = fmt.Appendf(nil, `# kubelab: %s is the host's local registry, reached as %s:%d on the kubelab network.
server = "http://%s"

[host."http://%s:%d"]
  capabilities = ["pull", "resolve"]
`, host, RegistryName, registry.Port, host, RegistryName, registry.Port)
	return path.Join("/etc/containerd/certs.d", host, "hosts.toml"), data
}

// checkRegistryImage is part of the preflight of a create with a registry.
func (c *creation) checkRegistryImage(ctx context.Context) error {
	_, exists, err := c.p.ImageLabel(ctx, registry.Image, "")
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("registry image %s not found: build it with `kubelab build node-image` (or `make node-image`)", registry.Image)
	}
	return nil
}

// ensureRegistry makes the local registry run, noting whether this create made it from
// nothing (no container, no volume of images), so that a failed create can take it away.
func (c *creation) ensureRegistry(ctx context.Context) error {
	spec := RegistrySpec(c.cfg.Registry.HostPort)
	before, err := c.p.InspectRegistry(ctx, spec)
	if err != nil {
		return err
	}
	if err := c.p.EnsureRegistry(ctx, spec); err != nil {
		return err
	}
	c.registryMade = before.State == "absent" && !before.VolumeExists
	return nil
}

// removeRegistryIfMade is the registry's part of a rollback: a registry this create made
// goes with it, unless another cluster's nodes exist by now (a create running at the same
// time may use it). A registry that was there before, or whose volume held images, stays.
func (c *creation) removeRegistryIfMade(ctx context.Context) error {
	if !c.registryMade {
		return nil
	}
	nodes, err := c.p.ListNodes(ctx, "")
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Cluster != c.cfg.Name {
			return nil
		}
	}
	return c.p.RemoveRegistry(ctx, RegistrySpec(0))
}

// connectRegistry points every node's containerd at the local registry, which
// startNodes made sure runs (it is kept when the cluster is deleted).
func (c *creation) connectRegistry(ctx context.Context) error {
	file, data := RegistryHosts(c.cfg.Registry.HostPort)
	for _, n := range c.nodes {
		if err := c.p.WriteFile(ctx, n.name, file, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// RegistryStatus reports the local registry.
func RegistryStatus(ctx context.Context, p docker.Provider) (docker.Registry, error) {
	return p.InspectRegistry(ctx, RegistrySpec(0))
}

// DeleteRegistry removes the local registry and the images it holds.
func DeleteRegistry(ctx context.Context, p docker.Provider) error {
	return p.RemoveRegistry(ctx, RegistrySpec(0))
}
