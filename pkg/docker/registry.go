package docker

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/go-connections/nat"

	"github.com/kubelab/kubelab/pkg/labels"
)

// RegistrySpec is the host's local registry: one container, its data in a volume.
type RegistrySpec struct {
	Name     string // container name, and its name on Network
	Image    string
	Volume   string // named volume on DataDir, kept when the container is replaced
	DataDir  string
	Port     int    // the registry's port in the container
	HostPort int    // published on 127.0.0.1
	Network  string // the clusters' network
}

// Registry is the local registry as the daemon reports it.
type Registry struct {
	Name     string   `json:"name"`
	State    string   `json:"state"` // running, exited, ..., or "absent"
	HostPort int      `json:"hostPort,omitempty"`
	Networks []string `json:"networks,omitempty"`
	Volume   string   `json:"volume"`
	// VolumeExists: the images are kept even when no container is there.
	VolumeExists bool `json:"volumeExists"`
}

// InspectRegistry reports the registry container and its volume.
func (c *Client) InspectRegistry(ctx context.Context, spec RegistrySpec) (Registry, error) {
	r := Registry{Name: spec.Name, State: "absent", Volume: spec.Volume}
	if _, err := c.api.VolumeInspect(ctx, spec.Volume); err == nil {
		r.VolumeExists = true
	} else if !cerrdefs.IsNotFound(err) {
		return r, err
	}
	info, err := c.api.ContainerInspect(ctx, spec.Name)
	if cerrdefs.IsNotFound(err) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.State = info.State.Status
	r.HostPort, _ = strconv.Atoi(info.Config.Labels[labels.RegistryPort])
	if info.NetworkSettings != nil {
		for name := range info.NetworkSettings.Networks {
			r.Networks = append(r.Networks, name)
		}
		sort.Strings(r.Networks)
	}
	return r, nil
}

// EnsureRegistry makes the registry run, published on 127.0.0.1:HostPort and on
// Network. A registry on another host port is an error (there is one per host); a
// stopped one, or one no longer on the network (deleted with the last cluster), is
// replaced by a new container on the same volume.
func (c *Client) EnsureRegistry(ctx context.Context, spec RegistrySpec) error {
	r, err := c.InspectRegistry(ctx, spec)
	if err != nil {
		return err
	}
	if r.State != "absent" {
		if r.HostPort != spec.HostPort {
			return fmt.Errorf("the local registry %s runs on host port %d, not %d: use that port ([registry] host_port = %d) or remove it with `kubelab registry delete`",
				spec.Name, r.HostPort, spec.HostPort, r.HostPort)
		}
		onNetwork := false
		for _, n := range r.Networks {
			onNetwork = onNetwork || n == spec.Network
		}
		if r.State == "running" && onNetwork {
			return nil
		}
		if err := c.api.ContainerRemove(ctx, spec.Name, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("replace the registry: %w", err)
		}
	}
	// Say which port is busy rather than leave it to Docker's message about a bind.
	if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(spec.HostPort))); err != nil {
		return fmt.Errorf("the local registry's host port %d is in use: choose another with [registry] host_port in the configuration file", spec.HostPort)
	} else {
		l.Close()
	}
	lbls := map[string]string{labels.Registry: "", labels.RegistryPort: strconv.Itoa(spec.HostPort)}
	if _, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: spec.Volume, Labels: lbls}); err != nil {
		return fmt.Errorf("create volume %s: %w", spec.Volume, err)
	}
	port := nat.Port(strconv.Itoa(spec.Port) + "/tcp")
	created, err := c.api.ContainerCreate(ctx,
		&container.Config{Image: spec.Image, Labels: lbls, ExposedPorts: nat.PortSet{port: {}}},
		&container.HostConfig{
			// Docker's default bridge carries the published port, so the registry stays
			// reachable from the host when the clusters' network goes with its last cluster.
			NetworkMode:  "bridge",
			PortBindings: nat.PortMap{port: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(spec.HostPort)}}},
			Mounts:       []mount.Mount{{Type: mount.TypeVolume, Source: spec.Volume, Target: spec.DataDir}},
			// One per host, for as long as the host runs: back after a daemon restart.
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		}, nil, nil, spec.Name)
	if err != nil {
		return fmt.Errorf("create the registry %s: %w", spec.Name, err)
	}
	if err := c.api.NetworkConnect(ctx, spec.Network, created.ID, &network.EndpointSettings{}); err != nil {
		_ = c.api.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return fmt.Errorf("connect the registry to network %s: %w", spec.Network, err)
	}
	if err := c.api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = c.api.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return fmt.Errorf("start the registry %s: %w", spec.Name, err)
	}
	return nil
}

// RemoveRegistry removes the registry container and its volume (the images in it).
func (c *Client) RemoveRegistry(ctx context.Context, spec RegistrySpec) error {
	if err := c.api.ContainerRemove(ctx, spec.Name, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove the registry %s: %w", spec.Name, err)
	}
	if err := c.api.VolumeRemove(ctx, spec.Volume, true); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", spec.Volume, err)
	}
	return nil
}

// isRegistry says whether a container is the local registry.
func (c *Client) isRegistry(ctx context.Context, id string) bool {
	info, err := c.api.ContainerInspect(ctx, id)
	if err != nil || info.Config == nil {
		return false
	}
	_, ok := info.Config.Labels[labels.Registry]
	return ok
}
