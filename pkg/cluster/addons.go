package cluster

import (
	"context"
	"fmt"

	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/docker"
)

// AddonStates reports every add-on's state on a cluster.
func AddonStates(ctx context.Context, p docker.Provider, cluster string) ([]addons.State, error) {
	cs, err := Client(ctx, p, cluster)
	if err != nil {
		return nil, err
	}
	var out []addons.State
	for _, a := range addons.All {
		s, err := a.Status(ctx, cs)
		if err != nil {
			return nil, fmt.Errorf("add-on %s: %w", a.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// SetAddon enables or disables one add-on on a running cluster; enabling waits until
// its pods are ready.
func SetAddon(ctx context.Context, p docker.Provider, cluster, name string, enable bool) error {
	a, err := addons.Find(name)
	if err != nil {
		return err
	}
	rc, err := RESTConfig(ctx, p, cluster)
	if err != nil {
		return err
	}
	if !enable {
		return a.Disable(ctx, rc)
	}
	if err := a.Enable(ctx, rc); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	return WaitAddons(ctx, cs, []addons.Addon{a})
}
