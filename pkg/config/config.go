// Package config describes a cluster: its name, node image, nodes, networking and
// add-ons, with defaults and validation that name the offending field. It reads the
// shape from TOML strictly (errors give file, line and column), applies the command-line
// flags over it (Flags), and keeps the documented example of every key
// (cluster.example.toml).
package config

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strings"

	"github.com/kubelab/kubelab/pkg/labels"
)

// Defaults.
const (
	DefaultName          = "kubelab"
	DefaultPodSubnet     = "10.244.0.0/16"
	DefaultServiceSubnet = "10.96.0.0/16"
	DefaultDNSDomain     = "cluster.local"
	// DefaultRegistryPort is the host port of the local registry: localhost:5001/app:1.
	DefaultRegistryPort = 5001
)

// Cluster is the shape of a cluster.
type Cluster struct {
	Name       string     `toml:"name"`
	Image      string     `toml:"image"`
	Nodes      []Node     `toml:"nodes"`
	Networking Networking `toml:"networking"`
	Addons     Addons     `toml:"addons"`
	// Registry, when set, connects the cluster to the host's local registry (started if
	// needed): a [registry] table in the file, or --registry.
	Registry *Registry `toml:"registry"`
	// KubeadmConfigPatches are YAML documents merged (JSON merge patch) into the
	// generated kubeadm configuration document of the same kind, for experts.
	KubeadmConfigPatches []string `toml:"kubeadm_config_patches"`
}

// Node is one node of a cluster.
type Node struct {
	Role         string            `toml:"role"`
	Labels       map[string]string `toml:"labels"`
	PortMappings []PortMapping     `toml:"port_mappings"`
	ExtraMounts  []Mount           `toml:"extra_mounts"`
}

// PortMapping publishes a node port on the host.
type PortMapping struct {
	ContainerPort int    `toml:"container_port"`
	HostPort      int    `toml:"host_port"`      // 0: a free port
	ListenAddress string `toml:"listen_address"` // default 127.0.0.1
	Protocol      string `toml:"protocol"`       // tcp (default), udp or sctp
}

// Mount makes a host directory visible in a node.
type Mount struct {
	HostPath      string `toml:"host_path"`
	ContainerPath string `toml:"container_path"`
	ReadOnly      bool   `toml:"read_only"`
}

// Registry is the host's local image registry, shared by the clusters that use it.
type Registry struct {
	HostPort int `toml:"host_port"` // on 127.0.0.1; default DefaultRegistryPort
}

// Networking is the cluster's address plan.
type Networking struct {
	PodSubnet     string `toml:"pod_subnet"`
	ServiceSubnet string `toml:"service_subnet"`
	DNSDomain     string `toml:"dns_domain"`
	// APIServerAddress and APIServerPort: where the host reaches the API server.
	APIServerAddress string `toml:"api_server_address"`
	APIServerPort    int    `toml:"api_server_port"` // 0: a free port
}

// Default is a single-node cluster.
func Default() *Cluster {
	c := &Cluster{}
	c.SetDefaults()
	return c
}

// SetDefaults fills every empty field.
func (c *Cluster) SetDefaults() {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if len(c.Nodes) == 0 {
		c.Nodes = []Node{{Role: labels.RoleControlPlane}}
	}
	n := &c.Networking
	if n.PodSubnet == "" {
		n.PodSubnet = DefaultPodSubnet
	}
	if n.ServiceSubnet == "" {
		n.ServiceSubnet = DefaultServiceSubnet
	}
	if n.DNSDomain == "" {
		n.DNSDomain = DefaultDNSDomain
	}
	if n.APIServerAddress == "" {
		n.APIServerAddress = "127.0.0.1"
	}
	if c.Registry != nil && c.Registry.HostPort == 0 {
		c.Registry.HostPort = DefaultRegistryPort
	}
	for i := range c.Nodes {
		for j := range c.Nodes[i].PortMappings {
			pm := &c.Nodes[i].PortMappings[j]
			if pm.ListenAddress == "" {
				pm.ListenAddress = "127.0.0.1"
			}
			if pm.Protocol == "" {
				pm.Protocol = "tcp"
			}
		}
	}
}

// The name becomes part of container, volume and host names (<name>-control-plane2):
// a DNS label, short enough to leave room for the suffixes.
var nameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

const maxNameLength = 40

// ValidateName checks a cluster name.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("cluster name is empty")
	case len(name) > maxNameLength:
		return fmt.Errorf("cluster name %q is too long: at most %d characters", name, maxNameLength)
	case !nameRE.MatchString(name):
		return fmt.Errorf("cluster name %q is not allowed: use lowercase letters, digits and '-', starting with a letter and not ending with '-'", name)
	}
	return nil
}

// Validate checks the whole cluster; the error names the field at fault.
func (c *Cluster) Validate() error {
	if err := ValidateName(c.Name); err != nil {
		return err
	}
	controlPlanes := 0
	for i, n := range c.Nodes {
		switch n.Role {
		case labels.RoleControlPlane:
			controlPlanes++
		case labels.RoleWorker:
		default:
			return fmt.Errorf("nodes[%d].role: %q is not a role: use %q or %q", i, n.Role, labels.RoleControlPlane, labels.RoleWorker)
		}
	}
	for i, n := range c.Nodes {
		if err := n.validate(fmt.Sprintf("nodes[%d]", i)); err != nil {
			return err
		}
	}
	if unknown := c.Addons.unknown(); unknown != nil {
		return fmt.Errorf("addons: %w", unknownAddon(unknown[0]))
	}
	for i, p := range c.KubeadmConfigPatches {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("kubeadm_config_patches[%d]: empty patch", i)
		}
	}
	if controlPlanes == 0 {
		return fmt.Errorf("nodes: a cluster needs at least one node with role %q", labels.RoleControlPlane)
	}
	pod, err := netip.ParsePrefix(c.Networking.PodSubnet)
	if err != nil || !pod.Addr().Is4() {
		return fmt.Errorf("networking.pod_subnet: %q is not an IPv4 CIDR such as %s", c.Networking.PodSubnet, DefaultPodSubnet)
	}
	if pod.Bits() > 22 {
		return fmt.Errorf("networking.pod_subnet: %s is too small: each node takes a /24, use a /22 or larger", pod)
	}
	svc, err := netip.ParsePrefix(c.Networking.ServiceSubnet)
	if err != nil || !svc.Addr().Is4() {
		return fmt.Errorf("networking.service_subnet: %q is not an IPv4 CIDR such as %s", c.Networking.ServiceSubnet, DefaultServiceSubnet)
	}
	if pod.Overlaps(svc) {
		return fmt.Errorf("networking: pod_subnet %s and service_subnet %s overlap", pod, svc)
	}
	if _, err := netip.ParseAddr(c.Networking.APIServerAddress); err != nil {
		return fmt.Errorf("networking.api_server_address: %q is not an IP address", c.Networking.APIServerAddress)
	}
	if p := c.Networking.APIServerPort; p < 0 || p > 65535 {
		return fmt.Errorf("networking.api_server_port: %d is not a port (0 picks a free one)", p)
	}
	if c.Registry != nil && (c.Registry.HostPort < 1 || c.Registry.HostPort > 65535) {
		return fmt.Errorf("registry.host_port: %d is not a port", c.Registry.HostPort)
	}
	return nil
}

// labelKeyRE is a Kubernetes label key: an optional DNS prefix and a name.
var labelKeyRE = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
var labelValueRE = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)

func (n Node) validate(field string) error {
	for k, v := range n.Labels {
		if !labelKeyRE.MatchString(k) {
			return fmt.Errorf("%s.labels: %q is not a label key (letters, digits, '-', '_', '.', optionally prefixed by a DNS name and '/')", field, k)
		}
		if !labelValueRE.MatchString(v) {
			return fmt.Errorf("%s.labels.%s: %q is not a label value (at most 63 letters, digits, '-', '_', '.')", field, k, v)
		}
	}
	for j, pm := range n.PortMappings {
		f := fmt.Sprintf("%s.port_mappings[%d]", field, j)
		if pm.ContainerPort < 1 || pm.ContainerPort > 65535 {
			return fmt.Errorf("%s.container_port: %d is not a port (1-65535)", f, pm.ContainerPort)
		}
		if pm.HostPort < 0 || pm.HostPort > 65535 {
			return fmt.Errorf("%s.host_port: %d is not a port (0 picks a free one)", f, pm.HostPort)
		}
		if _, err := netip.ParseAddr(pm.ListenAddress); err != nil {
			return fmt.Errorf("%s.listen_address: %q is not an IP address", f, pm.ListenAddress)
		}
		switch pm.Protocol {
		case "tcp", "udp", "sctp":
		default:
			return fmt.Errorf("%s.protocol: %q is not tcp, udp or sctp", f, pm.Protocol)
		}
	}
	for j, m := range n.ExtraMounts {
		f := fmt.Sprintf("%s.extra_mounts[%d]", field, j)
		if !path.IsAbs(m.HostPath) {
			return fmt.Errorf("%s.host_path: %q is not an absolute path", f, m.HostPath)
		}
		if !path.IsAbs(m.ContainerPath) {
			return fmt.Errorf("%s.container_path: %q is not an absolute path", f, m.ContainerPath)
		}
	}
	return nil
}
