package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/kubelab/kubelab/pkg/labels"
)

// RunBuildContainer starts a container of image that only sleeps (no init), with a
// volume mounted at volumeTarget, for a builder to exec commands in and then commit.
func (c *Client) RunBuildContainer(ctx context.Context, name, img string, sec Security, volumeTarget string) error {
	reap := true
	host := &container.HostConfig{
		// An init as PID 1 reaps the daemons the builder starts and stops with exec.
		Init:        &reap,
		SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"},
		Mounts:      []mount.Mount{{Type: mount.TypeVolume, Source: VolumeName(name), Target: volumeTarget}},
	}
	applySecurity(host, sec)
	_, err := c.api.ContainerCreate(ctx,
		&container.Config{Image: img, Entrypoint: []string{"sleep", "infinity"}, Labels: map[string]string{labels.Role: labels.RoleBuilder}},
		host, nil, nil, name)
	if err != nil {
		return fmt.Errorf("create build container: %w", err)
	}
	if err := c.api.ContainerStart(ctx, name, container.StartOptions{}); err != nil {
		return fmt.Errorf("start build container: %w", err)
	}
	return nil
}

// Extract unpacks a tar stream into a container at dst.
func (c *Client) Extract(ctx context.Context, name, dst string, content io.Reader) error {
	if err := c.api.CopyToContainer(ctx, name, dst, content, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("copy into %s: %w", name, err)
	}
	return nil
}

// CommitContainer saves a container's file system as an image, applying changes.
func (c *Client) CommitContainer(ctx context.Context, name, ref string, changes []string) error {
	if _, err := c.api.ContainerCommit(ctx, name, container.CommitOptions{Reference: ref, Changes: changes, Pause: true}); err != nil {
		return fmt.Errorf("commit %s as %s: %w", name, ref, err)
	}
	return nil
}
