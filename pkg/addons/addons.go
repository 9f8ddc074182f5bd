package addons

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubelab/kubelab/pkg/addons/catalog"
)

// Addon is an optional part of a cluster, installed from an embedded manifest. What each
// add-on is, is declared in package catalog; this adds what can be done with it.
type Addon struct{ catalog.Spec }

// All are the add-ons kubelab knows, in the order a new cluster installs them (catalog.All).
var All = func() []Addon {
	all := make([]Addon, 0, len(catalog.All))
	for _, s := range catalog.All {
		all = append(all, Addon{s})
	}
	return all
}()

// Names lists every add-on's name.
func Names() []string { return catalog.Names() }

// Find returns the add-on of a name.
func Find(name string) (Addon, error) {
	for _, a := range All {
		if a.Name == name {
			return a, nil
		}
	}
	return Addon{}, fmt.Errorf("no add-on named %q: choose one of %s (see `kubelab addons list`)", name, strings.Join(Names(), ", "))
}

// Render fills in the add-on's manifest.
func (a Addon) Render() ([]byte, error) { return Render(a.Manifest, a.Values) }

// Enable installs the add-on (again, harmlessly, if it is there).
func (a Addon) Enable(ctx context.Context, cfg *rest.Config) error {
	manifest, err := a.Render()
	if err != nil {
		return err
	}
	return Apply(ctx, cfg, manifest)
}

// Disable removes every object of the add-on's manifest. Volumes a provisioner made stay.
func (a Addon) Disable(ctx context.Context, cfg *rest.Config) error {
	manifest, err := a.Render()
	if err != nil {
		return err
	}
	return Delete(ctx, cfg, manifest)
}

// State is what `kubelab addons list` says of an add-on on one cluster.
type State struct {
	Name        string `json:"name"`
	Enabled     bool   `json:"enabled"`
	Ready       bool   `json:"ready"`
	Status      string `json:"status"` // e.g. "1/1 ready", "disabled"
	Description string `json:"description"`
}

// Status reports whether the add-on is installed, and ready, on a cluster.
func (a Addon) Status(ctx context.Context, client kubernetes.Interface) (State, error) {
	s := State{Name: a.Name, Description: a.Description, Status: "disabled"}
	if a.DaemonSet != "" {
		ds, err := client.AppsV1().DaemonSets(a.Namespace).Get(ctx, a.DaemonSet, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		s.Enabled = true
		s.Ready, s.Status = DaemonSetReady(ds)
		return s, nil
	}
	d, err := client.AppsV1().Deployments(a.Namespace).Get(ctx, a.Deployment, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.Enabled = true
	s.Ready, s.Status = DeploymentReady(d)
	return s, nil
}

// DeploymentReady says whether all of a Deployment's pods are updated and ready.
func DeploymentReady(d *appsv1.Deployment) (bool, string) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if d.DeletionTimestamp != nil {
		return false, "being removed"
	}
	return d.Status.ReadyReplicas >= want && d.Status.UpdatedReplicas >= want,
		fmt.Sprintf("%d/%d ready", d.Status.ReadyReplicas, want)
}

// DaemonSetReady says whether a DaemonSet runs an updated, ready pod on every node it
// should run on.
func DaemonSetReady(d *appsv1.DaemonSet) (bool, string) {
	if d.DeletionTimestamp != nil {
		return false, "being removed"
	}
	want := d.Status.DesiredNumberScheduled
	ok := d.Status.ObservedGeneration >= d.Generation && want > 0 &&
		d.Status.NumberReady >= want && d.Status.UpdatedNumberScheduled >= want
	return ok, fmt.Sprintf("%d/%d ready", d.Status.NumberReady, want)
}
