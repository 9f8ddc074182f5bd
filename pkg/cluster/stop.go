package cluster

import (
	"context"
	"time"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

// stopTimeout is how long a node's systemd gets to halt (kubelet, pods, containerd)
// before Docker kills it. A node halts in 2 to 5 seconds here.
const stopTimeout = 30 * time.Second

// Stop halts every container of a cluster, keeping its volumes, so the cluster uses no
// CPU or memory until `kubelab start`. The steps below are the whole story of a stop, in
// order: workers first, while their API server can still hear them go, then the control
// planes (all etcd members at once), then the load balancer in front of them. A stopped
// container stays stopped across daemon and host restarts (restart policy
// unless-stopped). wasRunning is false when nothing was running: a stop of a stopped
// cluster succeeds and changes nothing.
func Stop(ctx context.Context, p docker.Provider, st *ui.Status, name string) (wasRunning bool, err error) {
	e := &existing{p: p, name: name}
	stopRole := func(role string) ui.Step {
		return ui.Step{
			Title: "Stopping " + role + " nodes",
			Run: func(ctx context.Context) error {
				return each(ctx, e.withRole(true, role), func(ctx context.Context, n docker.Node) error {
					return p.StopNode(ctx, n.Name, stopTimeout)
				})
			},
			Skip: func() bool { return len(e.withRole(true, role)) == 0 },
		}
	}
	steps := []ui.Step{
		{Title: "Finding cluster " + name, Run: e.find},
		stopRole(labels.RoleWorker),
		stopRole(labels.RoleControlPlane),
		{Title: "Stopping the load balancer", Run: func(ctx context.Context) error {
			return each(ctx, e.withRole(true, labels.RoleLoadBalancer), func(ctx context.Context, n docker.Node) error {
				return p.StopNode(ctx, n.Name, stopTimeout)
			})
		}, Skip: func() bool { return len(e.withRole(true, labels.RoleLoadBalancer)) == 0 }},
	}
	if err := st.Run(ctx, steps); err != nil {
		return false, err
	}
	return e.state() != StateStopped, nil
}
