// Package catalog is the one list of the add-ons kubelab knows: for each, its name, what it
// does, its manifest and the Deployment whose readiness says it works. Adding an add-on is
// adding an entry here and its manifest under manifests/addons/. pkg/addons installs them;
// pkg/config checks the [addons] table against the names. It depends on nothing but the
// image names, so configuration code can use it without the Kubernetes client.
package catalog

import (
	"slices"

	"github.com/kubelab/kubelab/images"
)

// Spec declares one add-on.
type Spec struct {
	Name        string // as in `kubelab addons enable NAME` and the [addons] table
	Description string
	Manifest    string            // path of its embedded template in manifests.FS
	Values      map[string]string // what the template is filled in with
	// The Deployment whose readiness says the add-on works, or, for an add-on that runs
	// on every node, its DaemonSet (then Deployment is empty).
	Namespace, Deployment, DaemonSet string
	// ReadyLate: it turns ready on its own well after it starts, so a create does not
	// wait for it (`kubelab addons enable` does).
	ReadyLate bool
}

// All are the add-ons kubelab knows, in the order a new cluster installs them. Every one is
// on by default: a new cluster has what the tutorials use.
var All = []Spec{
	{
		Name:        "network-policy",
		Description: "NetworkPolicy enforced on every node (kube-network-policies' decisions)",
		Manifest:    "addons/network-policy.yaml",
		Values:      map[string]string{"Image": images.NetworkPolicy},
		Namespace:   "kube-system", DaemonSet: "kubelab-netpol",
	},
	{
		Name:        "storage",
		Description: `default StorageClass "standard": volumes on the node's disk (local-path-provisioner)`,
		Manifest:    "addons/storage.yaml",
		Values:      map[string]string{"Image": images.LocalPathProvisioner, "HelperImage": images.Busybox},
		Namespace:   "local-path-storage", Deployment: "local-path-provisioner",
	},
	{
		Name:        "ingress",
		Description: "Traefik ingress controller on ports 80/443 of a control plane and of a LoadBalancer address (IngressClasses traefik, the default, and nginx)",
		Manifest:    "addons/ingress.yaml",
		Values:      map[string]string{"Image": images.Traefik},
		Namespace:   "ingress", Deployment: "traefik",
	},
	{
		Name:        "metrics-server",
		Description: "resource metrics API for `kubectl top` and autoscaling",
		Manifest:    "addons/metrics-server.yaml",
		Values:      map[string]string{"Image": images.MetricsServer},
		Namespace:   "kube-system", Deployment: "metrics-server",
		// It is ready once it holds two scrapes of every node, one resolution (10 s, the
		// least it allows) after its first: 10 s more for every create, for `kubectl top`.
		ReadyLate: true,
	},
	{
		Name:        "dashboard",
		Description: "kubelab's dashboard, at the classic `kubectl proxy` URL with a token sign-in (`kubelab dashboard`)",
		Manifest:    "addons/dashboard.yaml",
		Values:      map[string]string{"Image": images.Dashboard},
		Namespace:   "kubernetes-dashboard", Deployment: "kubernetes-dashboard",
	},
}

// Names lists every add-on's name, in install order.
func Names() []string {
	names := make([]string, 0, len(All))
	for _, a := range All {
		names = append(names, a.Name)
	}
	return names
}

// Known says whether an add-on of that name exists.
func Known(name string) bool { return slices.Contains(Names(), name) }
