package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
)

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
