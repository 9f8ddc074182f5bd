package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/kubelab/kubelab/pkg/labels"
)

// hostPortRe finds the address:port in the daemon's error about a port in use, e.g.
// "listen tcp4 127.0.0.1:40001: bind: address already in use" or "Bind for
// 127.0.0.1:40001 failed: port is already allocated".
var hostPortRe = regexp.MustCompile(`(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]*\]):\d+`)

// StartNode starts a stopped container. Its published ports are the ones chosen at
// create, so one taken by another program in the meantime makes the start fail.
func (c *Client) StartNode(ctx context.Context, name string) error {
	err := c.api.ContainerStart(ctx, name, container.StartOptions{})
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "already allocated") || strings.Contains(msg, "address already in use") {
		port := "a host port it publishes"
		if m := hostPortRe.FindString(msg); m != "" {
			port = "host port " + m
		}
		return fmt.Errorf("start %s: %s is taken by another program since the cluster was created: stop that program, then start the cluster again", name, port)
	}
	if strings.Contains(msg, "network") && strings.Contains(msg, "not found") {
		return fmt.Errorf("start %s: its Docker network is gone (%v): delete the cluster and create it again", name, err)
	}
	return fmt.Errorf("start %s: %w", name, err)
}

// StopNode stops a container: its stop signal first (SIGRTMIN+3 for nodes: systemd
// halts, stopping kubelet, pods and containerd in order), SIGKILL after timeout.
// The restart policy "unless-stopped" then keeps it stopped when the daemon or the host
// restarts.
func (c *Client) StopNode(ctx context.Context, name string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	if err := c.api.ContainerStop(ctx, name, container.StopOptions{Timeout: &secs}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop %s: %w", name, err)
	}
	return nil
}

// ListVolumes lists kubelab's node volumes by the cluster label CreateNode gives them.
func (c *Client) ListVolumes(ctx context.Context, cluster string) (map[string][]string, error) {
	f := filters.NewArgs(filters.Arg("label", labels.Cluster))
	if cluster != "" {
		f = filters.NewArgs(filters.Arg("label", labels.Cluster+"="+cluster))
	}
	resp, err := c.api.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	out := map[string][]string{}
	for _, v := range resp.Volumes {
		if name := v.Labels[labels.Cluster]; name != "" {
			out[name] = append(out[name], v.Name)
		}
	}
	return out, nil
}

// DeleteVolume removes a volume; a missing one is not an error.
func (c *Client) DeleteVolume(ctx context.Context, name string) error {
	if err := c.api.VolumeRemove(ctx, name, true); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

// InspectNode returns `docker inspect` of a container, indented.
func (c *Client) InspectNode(ctx context.Context, name string) ([]byte, error) {
	info, err := c.api.ContainerInspect(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", name, err)
	}
	return json.MarshalIndent(info, "", "  ")
}
