package cluster

import (
	"bytes"
	"context"
	"fmt"

	api "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
)

// AdminKubeconfig reads a cluster's admin kubeconfig from its first control plane,
// pointed at the API server's port on the host (published by the first control plane, or
// by the load balancer of a cluster with several) on the address it is published on.
func AdminKubeconfig(ctx context.Context, p docker.Provider, name string) ([]byte, error) {
	nodes, err := Nodes(ctx, p, name)
	if err != nil {
		return nil, err
	}
	var pub, cp *docker.Node // the node publishing the API server, and the one to read from
	for i, n := range nodes {
		if n.APIPort != 0 && (pub == nil || n.Role == labels.RoleLoadBalancer) {
			pub = &nodes[i]
		}
		if n.Role == labels.RoleControlPlane && n.State == "running" && cp == nil {
			cp = &nodes[i]
		}
	}
	if cp == nil || pub == nil {
		return nil, fmt.Errorf("cluster %s has no running control plane with a published API port: start it with `kubelab start --name %s`", name, name)
	}
	kc, err := hostKubeconfig(ctx, p, name, cp.Name, pub.APIAddress, pub.APIPort)
	if err != nil {
		return nil, err
	}
	return kubeconfig.Serialize(kc)
}

// hostKubeconfig reads kubeadm's admin kubeconfig from control plane node and points it
// at the API server as the host reaches it: port published on address bound. Create
// writes what it returns, and AdminKubeconfig serves it, so the two cannot disagree.
func hostKubeconfig(ctx context.Context, p docker.Provider, cluster, node, bound string, port int) (*api.Config, error) {
	var admin bytes.Buffer
	if err := p.Exec(ctx, node, []string{"cat", "/etc/kubernetes/admin.conf"}, docker.ExecOptions{Stdout: &admin}); err != nil {
		return nil, err
	}
	return kubeconfig.ForCluster(admin.Bytes(), cluster, apiServerURL(bound, port))
}
