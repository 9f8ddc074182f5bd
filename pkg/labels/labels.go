// Package labels owns the io.kubelab.* labels kubelab puts on the containers, volumes,
// networks and images it creates, and the node roles those labels carry: every package
// reads and writes them under the one spelling kept here.
package labels

// Labels on Docker objects.
const (
	// Cluster names the cluster a container, volume or network belongs to.
	Cluster = "io.kubelab.cluster"
	// Role is a node container's role: RoleControlPlane, RoleWorker or RoleLoadBalancer.
	Role = "io.kubelab.role"
	// APIPort is the host port of the cluster's API server, kept so a stopped node reports it.
	APIPort = "io.kubelab.api-port"
	// APIAddress is the host address the API server's port is published on, kept for the
	// same reason.
	APIAddress = "io.kubelab.api-address"
	// LoadBalancerRange is a cluster's block of LoadBalancer Service addresses on the
	// network, on each of its nodes: the next cluster picks a block no node carries.
	LoadBalancerRange = "io.kubelab.lb-range"
	// Registry marks the host's local registry container and volume; RegistryPort is the
	// host port it is published on.
	Registry     = "io.kubelab.registry"
	RegistryPort = "io.kubelab.registry-port"
	// KubernetesVersion is the Kubernetes version a node image carries.
	KubernetesVersion = "io.kubelab.kubernetes-version"
	// Inputs is the hash of everything an image was built from.
	Inputs = "io.kubelab.inputs"
	// AliasOf marks an image made as a copy of another (with its own image ID).
	AliasOf = "io.kubelab.alias-of"
	// Name is the name a derived image was made for.
	Name = "io.kubelab.name"
)

// Roles of a cluster's containers (the values of Role, and of a node's `role` in a
// cluster configuration file).
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
	RoleLoadBalancer = "external-load-balancer"
)

// Roles of the short-lived containers kubelab runs outside any cluster.
const (
	// RoleProbe is the container that finds out whether the daemon allows --privileged.
	RoleProbe = "probe"
	// RoleBuilder is a container an image builder runs commands in and commits.
	RoleBuilder = "builder"
)
