package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/kubelab/kubelab/pkg/defaults"
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

// deleteCluster removes what a cluster has: its containers (running, stopped or only
// created), their volumes and any volume left without its container (a create killed
// between the two), the network once no cluster uses it, the kubeconfig entries and the
// admin kubeconfig `kubelab kubectl` keeps in kubelab's cache directory.
// It returns how many containers and volumes it found.
func deleteCluster(ctx context.Context, p docker.Provider, name string, kubeconfigToo bool, kubeconfigPath string) (int, error) {
	nodes, err := p.ListNodes(ctx, name)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, n := range nodes {
		errs = append(errs, p.DeleteNode(ctx, n.Name))
	}
	vols, err := p.ListVolumes(ctx, name)
	errs = append(errs, err)
	for _, v := range vols[name] {
		errs = append(errs, p.DeleteVolume(ctx, v))
	}
	if unlock, err := p.LockNetwork(ctx); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, p.RemoveNetworkIfUnused(ctx, NetworkName))
		unlock()
	}
	if kubeconfigToo {
		errs = append(errs, kubeconfig.Remove(kubeconfig.Path(kubeconfigPath), kubeconfig.ContextName(name)))
		// The soak found it left behind: `kubelab kubectl`'s copy of the admin kubeconfig.
		if err := os.Remove(kubectlKubeconfig(defaults.CacheDir(), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return len(nodes) + len(vols[name]), errors.Join(errs...)
}

// DeleteAll deletes every kubelab cluster, stopped and half-created ones too, and
// returns their names.
func DeleteAll(ctx context.Context, p docker.Provider, kubeconfigPath string) ([]string, error) {
	names, err := allClusterNames(ctx, p)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range names {
		if _, err := deleteCluster(ctx, p, name, true, kubeconfigPath); err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", name, err))
		}
	}
	return names, errors.Join(errs...)
}

// allClusterNames names every cluster that has a container or a node volume, sorted.
func allClusterNames(ctx context.Context, p docker.Provider) ([]string, error) {
	nodes, err := p.ListNodes(ctx, "")
	if err != nil {
		return nil, err
	}
	vols, err := p.ListVolumes(ctx, "")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Cluster] = true
	}
	for name := range vols {
		seen[name] = true
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		if name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}
