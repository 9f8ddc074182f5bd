package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/kubelab/kubelab/pkg/docker"
)

// ErrNotFound says no cluster of that name exists.
var ErrNotFound = errors.New("cluster not found")

// Info sums up one cluster.
type Info struct {
	Name string `json:"name"`
	// State is StateRunning, StateStopped or StateDegraded, from its containers' states.
	State string        `json:"state"`
	Nodes []docker.Node `json:"nodes"`
}

// The states of a cluster.
const (
	StateRunning  = "running"  // every container runs (and, for `kubelab status`, every node is Ready)
	StateStopped  = "stopped"  // no container runs: `kubelab start` brings it back
	StateDegraded = "degraded" // anything in between
)

// containerState sums up a cluster by its containers alone: running, stopped or
// degraded (some running, some not).
func containerState(nodes []docker.Node) string {
	running := 0
	for _, n := range nodes {
		if n.State == "running" {
			running++
		}
	}
	switch running {
	case len(nodes):
		return StateRunning
	case 0:
		return StateStopped
	}
	return StateDegraded
}

// List returns every kubelab cluster, by name.
func List(ctx context.Context, p docker.Provider) ([]Info, error) {
	nodes, err := p.ListNodes(ctx, "")
	if err != nil {
		return nil, err
	}
	byName := map[string]*Info{}
	for _, n := range nodes {
		if byName[n.Cluster] == nil {
			byName[n.Cluster] = &Info{Name: n.Cluster}
		}
		byName[n.Cluster].Nodes = append(byName[n.Cluster].Nodes, n)
	}
	out := make([]Info, 0, len(byName))
	for _, i := range byName {
		i.State = containerState(i.Nodes)
		out = append(out, *i)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Nodes returns a cluster's nodes, or ErrNotFound.
func Nodes(ctx context.Context, p docker.Provider, name string) ([]docker.Node, error) {
	nodes, err := p.ListNodes(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return nodes, nil
}
