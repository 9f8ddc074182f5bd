package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/docker/docker/client"
)

// ErrDaemonUnreachable says the Docker daemon did not answer.
var ErrDaemonUnreachable = errors.New("cannot reach the Docker daemon: start it (e.g. `dockerd &` or `systemctl start docker`) or set DOCKER_HOST")

// Client is the Provider backed by the Docker Engine API.
type Client struct {
	api *client.Client

	secOnce sync.Once
	sec     Security
	secErr  error
}

var _ Provider = (*Client)(nil)

// New connects to the daemon named by the environment (DOCKER_HOST, ...), negotiating the
// API version down to what the daemon speaks (Debian's dockerd 20.10 speaks 1.41).
func New() (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &Client{api: api}, nil
}

// Ping checks that the daemon answers within ten seconds.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.api.Ping(ctx); err != nil {
		return fmt.Errorf("%w (%v)", ErrDaemonUnreachable, err)
	}
	return nil
}

// KernelVersion is the release of the kernel the daemon runs its containers on (as
// `uname -r` prints it there).
func (c *Client) KernelVersion(ctx context.Context) (string, error) {
	info, err := c.api.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("docker info: %w", err)
	}
	return info.KernelVersion, nil
}
