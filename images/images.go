// Package images holds the recipes of the images kubelab builds (the base root
// filesystem's packages and files, CoreDNS's plugin set), embedded so that the kubelab
// binary can build a node image wherever it runs.
package images

import "embed"

// Files is the recipe tree: base/packages.txt, base/rootfs/..., coredns/main.go.in,
// kubernetes/*.go.in.
//
//go:embed base apps coredns kubernetes
var Files embed.FS

// Conformance holds the recipe of the conformance suite's test images
// (conformance/packages.txt); kept apart from Files so it is no input of the node image.
//
//go:embed conformance
var Conformance embed.FS

// Images kubelab builds from its own programs, preloaded in every node. Nodes never
// pull them (imagePullPolicy Never), so the tags only need to be stable.
const (
	// Echo is the HTTP echo server/client of tutorials and tests (cmd/kubelab-echo).
	Echo = "kubelab/echo:1.0"
	// Bootcamp is the "Kubernetes Basics" app (cmd/kubelab-bootcamp), in two versions
	// for rolling updates and rollbacks.
	BootcampV1 = "kubelab/bootcamp:v1"
	BootcampV2 = "kubelab/bootcamp:v2"
	// Netd is the pod network daemon (cmd/kubelab-netd).
	Netd = "kubelab/netd:1.1"
	// NetworkPolicy enforces NetworkPolicy on every node (cmd/kubelab-netpol, the add-on
	// network-policy), deciding with sigs.k8s.io/kube-network-policies v0.8.0.
	NetworkPolicy = "kubelab/netpol:0.8.0-1"
	// Busybox and Nginx are Debian bookworm's busybox-static and nginx-light, tagged
	// with their upstream versions (never :latest, which means "always pull").
	Busybox = "busybox:1.35"
	Nginx   = "nginx:1.22"
	// LocalPathProvisioner provisions the default StorageClass's volumes.
	LocalPathProvisioner = "rancher/local-path-provisioner:v0.0.30"
	// Traefik is the ingress controller (github.com/traefik/traefik/v3), under the name
	// of its upstream image.
	Traefik = "traefik:v3.6.12"
	// MetricsServer serves the resource metrics API behind `kubectl top`
	// (sigs.k8s.io/metrics-server), under the name of its upstream image.
	MetricsServer = "registry.k8s.io/metrics-server/metrics-server:v0.9.0"
	// Dashboard is kubelab's learner dashboard (cmd/kubelab-dashboard), the dashboard add-on.
	Dashboard = "kubelab/dashboard:0.1.0"
	// LoadBalancer fronts the API servers of clusters with several control planes
	// (cmd/kubelab-lb). It runs on the host's Docker, next to the nodes.
	LoadBalancer = "kubelab/lb:1.0"
)
