package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"

	"github.com/kubelab/kubelab/pkg/labels"
)

// DetectSecurity starts a throw-away container with --privileged once per process. Hosts
// whose capability bounding set lacks a capability make runc fail with "unable to apply
// caps"; there the nodes use the Capabilities fallback instead.
func (c *Client) DetectSecurity(ctx context.Context, image string) (Security, error) {
	c.secOnce.Do(func() { c.sec, c.secErr = c.detectSecurity(ctx, image) })
	return c.sec, c.secErr
}

func (c *Client) detectSecurity(ctx context.Context, image string) (Security, error) {
	resp, err := c.api.ContainerCreate(ctx,
		&container.Config{Image: image, Entrypoint: []string{"/bin/true"}, Labels: map[string]string{labels.Role: labels.RoleProbe}},
		&container.HostConfig{Privileged: true, AutoRemove: false}, nil, nil, "")
	if err != nil {
		return Privileged, fmt.Errorf("probe container: %w", err)
	}
	defer c.api.ContainerRemove(context.WithoutCancel(ctx), resp.ID, container.RemoveOptions{Force: true})
	if err := c.api.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		if strings.Contains(err.Error(), "apply caps") || strings.Contains(err.Error(), "operation not permitted") {
			return Capabilities, nil
		}
		return Privileged, fmt.Errorf("probe container: %w", err)
	}
	return Privileged, nil
}

// applySecurity grants a node container what systemd, containerd and nested pods need.
func applySecurity(host *container.HostConfig, sec Security) {
	switch sec {
	case Privileged:
		host.Privileged = true
	case Capabilities:
		// This daemon refuses --privileged because its capability bounding set lacks
		// CAP_SYS_RESOURCE, so ask for every capability but that one.
		host.CapAdd = []string{"ALL"}
		host.CapDrop = []string{"SYS_RESOURCE"}
		// Empty lists (not nil) unmask /proc and /sys paths, as --security-opt systempaths=unconfined does.
		host.MaskedPaths = []string{}
		host.ReadonlyPaths = []string{}
		// Nested containers need /dev/kmsg, /dev/fuse, loop devices...: allow every device.
		host.DeviceCgroupRules = []string{"a *:* rwm"}
	}
}
