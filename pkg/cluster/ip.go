package cluster

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

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
		if (node == "" && n.Role == labels.RoleControlPlane && n.Name == cluster+"-"+labels.RoleControlPlane) || n.Name == node {
			if n.IP == "" {
				return "", fmt.Errorf("node %s has no address (is it running?)", n.Name)
			}
			return n.IP, nil
		}
	}
	return "", fmt.Errorf("cluster %s has no node %q; its nodes: %s", cluster, node, strings.Join(names, ", "))
}
