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
	Name  string        `json:"name"`
	Nodes []docker.Node `json:"nodes"`
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
