package cluster

import (
	"bytes"
	"context"
	"fmt"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
)

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
		if n.Role == labels.RoleControlPlane && n.State == "running" && cp == nil {
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
