package cluster

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// existing is an existing cluster as stop and start see it: its containers, found by the
// first step of either flow.
type existing struct {
	p     docker.Provider
	name  string
	nodes []docker.Node
}

// find lists the cluster's containers: ErrNotFound if it has none.
func (e *existing) find(ctx context.Context) error {
	if err := e.p.Ping(ctx); err != nil {
		return err
	}
	nodes, err := Nodes(ctx, e.p, e.name)
	if err != nil {
		return err
	}
	e.nodes = nodes
	return nil
}

// withRole returns the cluster's containers of the given roles whose state is (running
// true) or is not (false) "running".
func (e *existing) withRole(running bool, roles ...string) []docker.Node {
	var out []docker.Node
	for _, n := range e.nodes {
		for _, r := range roles {
			if n.Role == r && (n.State == "running") == running {
				out = append(out, n)
			}
		}
	}
	return out
}

// state is the cluster's state by its containers (see containerState).
func (e *existing) state() string { return containerState(e.nodes) }

// kubeNodes names the cluster's Kubernetes nodes (every container but the load balancer).
func (e *existing) kubeNodes() []string {
	var names []string
	for _, n := range e.nodes {
		if n.Role != labels.RoleLoadBalancer {
			names = append(names, n.Name)
		}
	}
	return names
}

// each runs f on every node at once and returns the errors of all that failed.
func each(ctx context.Context, nodes []docker.Node, f func(context.Context, docker.Node) error) error {
	g, ctx := errgroup.WithContext(ctx)
	var errs = make([]error, len(nodes))
	for i, n := range nodes {
		g.Go(func() error { errs[i] = f(ctx, n); return nil })
	}
	_ = g.Wait()
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// names lists nodes' names, joined for a status line.
func names(nodes []docker.Node) string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return strings.Join(out, ", ")
}
