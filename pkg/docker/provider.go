package docker

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Security is how a node container gets the powers systemd, containerd and kubelet need.
type Security int

const (
	// Privileged is `--privileged`: what ordinary hosts allow.
	Privileged Security = iota
	// Capabilities is the fallback for daemons that refuse --privileged (a capability
	// bounding set without CAP_SYS_RESOURCE): every capability but that one, no seccomp
	// or AppArmor confinement, unmasked /proc and /sys, and access to all devices.
	Capabilities
)

func (s Security) String() string {
	if s == Capabilities {
		return "capabilities"
	}
	return "privileged"
}

// PortMapping publishes a container port on the host.
type PortMapping struct {
	ContainerPort int
	HostPort      int
	ListenAddress string // host address; "" or "0.0.0.0" binds every address
	Protocol      string // tcp (default), udp or sctp
}

// Mount is an extra bind mount from the host into a node.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
}

// NodeSpec is everything needed to create one node container.
type NodeSpec struct {
	Name    string // container name and hostname
	Cluster string
	Role    string
	Image   string
	Network string // ID of the network (see Network.ID)
	// IP is a fixed IPv4 address on Network. Docker would otherwise hand out a free address
	// at every start, and a node's address is written into its certificates, kubeconfigs,
	// static pod manifests and kubelet configuration by kubeadm: keeping it is what lets a
	// cluster survive `kubelab stop`/`start` and daemon or host restarts unchanged.
	IP       string
	Ports    []PortMapping
	Mounts   []Mount
	Labels   map[string]string
	Security Security
}

// LoadBalancerSpec describes the container balancing a cluster's API servers.
type LoadBalancerSpec struct {
	Name     string
	Cluster  string
	Image    string
	Network  string      // ID of the network
	IP       string      // fixed, like a node's
	Port     PortMapping // the API server port published on the host
	Backends []string    // host:port of each control plane's API server
}

// Node is a node container as the daemon reports it.
type Node struct {
	Name    string `json:"name"`
	Cluster string `json:"cluster"`
	Role    string `json:"role"`
	State   string `json:"state"` // running, exited, ...
	IP      string `json:"ip"`
	Image   string `json:"image"`
	// Version is the Kubernetes version of the node's image.
	Version string `json:"version,omitempty"`
	// APIPort is the host port the API server is published on (the control plane or load
	// balancer that publishes it), and APIAddress the host address of that binding:
	// "0.0.0.0" or "::" means every address, "" that it is unknown (a stopped node made
	// before kubelab kept the address in a label).
	APIPort    int    `json:"apiPort,omitempty"`
	APIAddress string `json:"apiAddress,omitempty"`
	// Published lists a running container's published ports as address:port->port/proto.
	Published []string `json:"published,omitempty"`
	// LoadBalancerRange is the cluster's block of LoadBalancer Service addresses ("" when
	// it has none).
	LoadBalancerRange string `json:"loadBalancerRange,omitempty"`
}

// Network is the Docker network the nodes share.
type Network struct {
	// ID is what containers are connected by: Docker accepts several networks of one
	// name, and a request naming an ambiguous one fails.
	ID      string
	Name    string
	Subnet  string
	Gateway string
	IPRange string // where Docker's IPAM hands out dynamic addresses; "" for the whole subnet
}

// ExecOptions wires the standard streams of a command run in a node.
type ExecOptions struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    []string
}

// Provider is what the cluster flow needs from the container runtime. The Docker
// implementation is *Client; unit tests use a fake.
type Provider interface {
	// Ping checks that the daemon answers.
	Ping(ctx context.Context) error
	// KernelVersion is the release of the kernel the daemon's containers run on.
	KernelVersion(ctx context.Context) (string, error)
	// ImageLabel returns the value of an image's label and whether the image exists.
	ImageLabel(ctx context.Context, ref, key string) (value string, exists bool, err error)
	// DetectSecurity finds out whether the daemon runs privileged containers.
	DetectSecurity(ctx context.Context, image string) (Security, error)
	// LockNetwork takes the host-wide lock that EnsureNetwork, FreeIP and the creation of
	// containers on the network happen under, and RemoveNetworkIfUnused too.
	LockNetwork(ctx context.Context) (unlock func(), err error)
	// EnsureNetwork finds the network of that exact name or creates it; duplicates of the
	// name are repaired.
	EnsureNetwork(ctx context.Context, name string) (Network, error)
	RemoveNetworkIfUnused(ctx context.Context, name string) error
	// FreeIP returns an unused fixed address on the network.
	FreeIP(ctx context.Context, network Network, taken []string) (string, error)
	// CreateNode creates and starts a node container and its /var volume.
	CreateNode(ctx context.Context, spec NodeSpec) error
	// CreateLoadBalancer creates and starts the API server load balancer of a cluster.
	CreateLoadBalancer(ctx context.Context, spec LoadBalancerSpec) error
	// ListNodes lists the node containers of a cluster, or of every cluster if cluster is "".
	ListNodes(ctx context.Context, cluster string) ([]Node, error)
	// DeleteNode removes a node container and its volume; a missing node is not an error.
	DeleteNode(ctx context.Context, name string) error
	// StartNode starts a stopped node or load balancer container.
	StartNode(ctx context.Context, name string) error
	// StopNode stops a node or load balancer container, giving it timeout to shut down
	// cleanly before it is killed.
	StopNode(ctx context.Context, name string, timeout time.Duration) error
	// ListVolumes lists the names of kubelab node volumes of a cluster (every cluster if
	// cluster is ""), by cluster: a create killed at the wrong moment leaves a volume
	// without its container.
	ListVolumes(ctx context.Context, cluster string) (map[string][]string, error)
	// DeleteVolume removes a volume; a missing one is not an error.
	DeleteVolume(ctx context.Context, name string) error
	// InspectNode is the daemon's description of a container, as JSON.
	InspectNode(ctx context.Context, name string) ([]byte, error)
	Exec(ctx context.Context, node string, cmd []string, opts ExecOptions) error
	// SaveImages streams images of the host's Docker as a docker-archive tar.
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
	// CopyFromNode streams a file or directory of a node as a tar.
	CopyFromNode(ctx context.Context, node, path string) (io.ReadCloser, error)
	WriteFile(ctx context.Context, node, path string, data []byte, mode int64) error
	// EnsureRegistry makes the host's local registry run (registry.go).
	EnsureRegistry(ctx context.Context, spec RegistrySpec) error
	// InspectRegistry reports the local registry's container and volume.
	InspectRegistry(ctx context.Context, spec RegistrySpec) (Registry, error)
	// RemoveRegistry removes the local registry and its volume.
	RemoveRegistry(ctx context.Context, spec RegistrySpec) error
}

// ExecError is a command in a node that exited non-zero; it carries the command's output.
type ExecError struct {
	Node     string
	Cmd      []string
	ExitCode int
	Output   string
}

func (e *ExecError) Error() string {
	msg := fmt.Sprintf("command %q on node %s exited with code %d", strings.Join(e.Cmd, " "), e.Node, e.ExitCode)
	if out := strings.TrimSpace(e.Output); out != "" {
		msg += ":\n" + out
	}
	return msg
}

// VolumeName is the name of a node's /var volume.
func VolumeName(node string) string { return node + "-var" }
