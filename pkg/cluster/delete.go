package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
)

// ErrNotFound says no cluster of that name exists.
var ErrNotFound = errors.New("cluster not found")

// Delete removes a cluster's nodes and volumes, its kubeconfig entries, and the kubelab
// network once no cluster uses it. A missing cluster is ErrNotFound (nothing is changed
// but stale kubeconfig entries).
func Delete(ctx context.Context, p docker.Provider, name, kubeconfigPath string) error {
	found, err := deleteCluster(ctx, p, name, true, kubeconfigPath)
	if err != nil {
		return err
	}
	if found == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return nil
}

// deleteCluster removes what a cluster has and returns how many containers it found.
func deleteCluster(ctx context.Context, p docker.Provider, name string, kubeconfigToo bool, kubeconfigPath string) (int, error) {
	nodes, err := p.ListNodes(ctx, name)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, n := range nodes {
		errs = append(errs, p.DeleteNode(ctx, n.Name))
	}
	errs = append(errs, p.RemoveNetworkIfUnused(ctx, NetworkName))
	if kubeconfigToo {
		errs = append(errs, kubeconfig.Remove(kubeconfig.Path(kubeconfigPath), kubeconfig.ContextName(name)))
	}
	return len(nodes), errors.Join(errs...)
}

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

// AdminKubeconfig reads a cluster's admin kubeconfig from its first control plane,
// pointed at the API server's port on the host (published by the first control plane, or
// by the load balancer of a cluster with several).
func AdminKubeconfig(ctx context.Context, p docker.Provider, name string) ([]byte, error) {
	nodes, err := Nodes(ctx, p, name)
	if err != nil {
		return nil, err
	}
	port := 0
	var cp *docker.Node
	for i, n := range nodes {
		if n.APIPort != 0 && (port == 0 || n.Role == labels.RoleLoadBalancer) {
			port = n.APIPort
		}
		if n.Role == "control-plane" && n.State == "running" && cp == nil {
			cp = &nodes[i]
		}
	}
	if cp == nil || port == 0 {
		return nil, fmt.Errorf("cluster %s has no running control plane with a published API port: start it with `docker start` on its containers", name)
	}
	var admin bytes.Buffer
	if err := p.Exec(ctx, cp.Name, []string{"cat", "/etc/kubernetes/admin.conf"}, docker.ExecOptions{Stdout: &admin}); err != nil {
		return nil, err
	}
	kc, err := kubeconfig.ForCluster(admin.Bytes(), name, fmt.Sprintf("https://127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	return kubeconfig.Serialize(kc)
}

// NodeIP is a node's address on the kubelab network: the named node, or the first
// control plane. On Linux the host reaches it directly (NodePorts, Ingress).
func NodeIP(ctx context.Context, p docker.Provider, cluster, node string) (string, error) {
	nodes, err := Nodes(ctx, p, cluster)
	if err != nil {
		return "", err
	}
	var names []string
	for _, n := range nodes {
		if n.Role == labels.RoleLoadBalancer {
			continue
		}
		names = append(names, n.Name)
		if (node == "" && n.Role == "control-plane" && n.Name == cluster+"-control-plane") || n.Name == node {
			if n.IP == "" {
				return "", fmt.Errorf("node %s has no address (is it running?)", n.Name)
			}
			return n.IP, nil
		}
	}
	return "", fmt.Errorf("cluster %s has no node %q; its nodes: %s", cluster, node, strings.Join(names, ", "))
}
