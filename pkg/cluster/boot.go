package cluster

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubelab/kubelab/pkg/docker"
)

// waitForBoot waits until systemd finished booting each node and containerd answers.
func (c *creation) waitForBoot(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range c.nodes {
		g.Go(func() error { return waitForNode(ctx, c.p, n.name) })
	}
	return g.Wait()
}

// waitForNode waits until systemd finished booting a node and containerd runs there.
func waitForNode(ctx context.Context, p docker.Provider, name string) error {
	// is-system-running --wait blocks until boot is over; it fails while systemd's own
	// socket is not up yet, in the first milliseconds.
	err := retry(ctx, func() error {
		var out strings.Builder
		err := p.Exec(ctx, name, []string{"systemctl", "is-system-running", "--wait"}, docker.ExecOptions{Stdout: &out, Stderr: &out})
		state := strings.TrimSpace(out.String())
		if state == "running" || state == "degraded" {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("systemd state %q", state)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("node %s did not boot: %w (see `docker logs %s`)", name, err, name)
	}
	if err := p.Exec(ctx, name, []string{"systemctl", "is-active", "--quiet", "containerd"}, docker.ExecOptions{}); err != nil {
		return fmt.Errorf("containerd is not running on node %s: %w (see `docker exec %s journalctl -u containerd`)", name, err, name)
	}
	return nil
}

// retry runs f until it succeeds or ctx ends, backing off from 20 ms to 500 ms, and
// returns f's last error if ctx ends first.
func retry(ctx context.Context, f func() error) error {
	var last error
	backoff := wait.Backoff{Duration: 20 * time.Millisecond, Factor: 2, Cap: 500 * time.Millisecond, Steps: math.MaxInt32}
	err := backoff.DelayFunc().Until(ctx, true, true, func(context.Context) (bool, error) {
		last = f()
		return last == nil, nil
	})
	if err != nil && last != nil {
		return last
	}
	return err
}
