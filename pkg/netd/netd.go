// Package netd is the logic of kubelab-netd, the pod network of kubelab clusters. On
// every node it writes the CNI configuration for the node's pod range (a bridge with
// host-local addresses), keeps one route per other node to that node's pod range via the
// node's address, and masquerades pod traffic that leaves the cluster's pod range.
package netd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Route sends traffic for another node's pods to that node.
type Route struct {
	Dst netip.Prefix
	Via netip.Addr
}

func (r Route) String() string { return r.Dst.String() + " via " + r.Via.String() }

// RouteTable is the node's routing table, limited to the routes netd owns.
type RouteTable interface {
	List() ([]Route, error)
	Replace(Route) error
	Delete(Route) error
}

// Masquerader sets up source NAT for pod traffic leaving the pod range.
type Masquerader interface {
	Ensure(clusterCIDR netip.Prefix) error
}

// ServiceGuard rejects traffic to the Service range that kube-proxy did not translate
// (a port no Service has): routed on, it would leave through the node's default route.
type ServiceGuard interface {
	Ensure(serviceCIDR netip.Prefix) error
}

// Daemon reconciles one node's pod network with the cluster's Nodes.
type Daemon struct {
	NodeName    string
	ClusterCIDR netip.Prefix
	ServiceCIDR netip.Prefix // zero: no guard
	CNIConfPath string       // e.g. /etc/cni/net.d/10-kubelab.conflist
	Routes      RouteTable
	Masq        Masquerader
	Guard       ServiceGuard
}

// Sync brings the node in line with the given Nodes: CNI configuration for this node's
// pod range, routes to every other node's, and masquerading. It is idempotent.
func (d *Daemon) Sync(nodes []*corev1.Node) error {
	var self *corev1.Node
	for _, n := range nodes {
		if n.Name == d.NodeName {
			self = n
		}
	}
	if self == nil {
		return fmt.Errorf("node %s not found", d.NodeName)
	}
	var errs []error
	if err := d.Masq.Ensure(d.ClusterCIDR); err != nil {
		errs = append(errs, fmt.Errorf("masquerade: %w", err))
	}
	if d.ServiceCIDR.IsValid() && d.Guard != nil {
		if err := d.Guard.Ensure(d.ServiceCIDR); err != nil {
			errs = append(errs, fmt.Errorf("service range guard: %w", err))
		}
	}
	errs = append(errs, d.syncRoutes(nodes))
	// Until the controller manager assigns this node a pod range there is nothing to
	// write: the node stays NotReady, as it should.
	if cidrs := podCIDRs(self); len(cidrs) > 0 {
		conf, err := CNIConfig(cidrs)
		if err == nil {
			err = writeIfChanged(d.CNIConfPath, conf)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (d *Daemon) syncRoutes(nodes []*corev1.Node) error {
	want := DesiredRoutes(d.NodeName, nodes)
	have, err := d.Routes.List()
	if err != nil {
		return err
	}
	wanted := map[Route]bool{}
	var errs []error
	for _, r := range want {
		wanted[r] = true
		errs = append(errs, d.Routes.Replace(r))
	}
	for _, r := range have {
		if !wanted[r] {
			errs = append(errs, d.Routes.Delete(r))
		}
	}
	return errors.Join(errs...)
}

// DesiredRoutes lists a route for each pod range of every other node that has one and
// an internal address of the same family.
func DesiredRoutes(self string, nodes []*corev1.Node) []Route {
	var routes []Route
	for _, n := range nodes {
		if n.Name == self {
			continue
		}
		for _, cidr := range podCIDRs(n) {
			dst, err := netip.ParsePrefix(cidr)
			if err != nil {
				continue
			}
			if via, ok := internalIP(n, dst.Addr().Is4()); ok {
				routes = append(routes, Route{Dst: dst.Masked(), Via: via})
			}
		}
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Dst.String() < routes[j].Dst.String() })
	return routes
}

func podCIDRs(n *corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}

func internalIP(n *corev1.Node, v4 bool) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err == nil && ip.Is4() == v4 {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// CNIConfig is a node's CNI configuration: a bridge whose pods get addresses from the
// node's pod ranges, plus port mappings (hostPort).
func CNIConfig(podCIDRs []string) ([]byte, error) {
	var ranges [][]map[string]string
	for _, c := range podCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("pod CIDR %q: %w", c, err)
		}
		ranges = append(ranges, []map[string]string{{"subnet": p.Masked().String()}})
	}
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "kubelab",
		"plugins": []any{
			map[string]any{
				"type":             "bridge",
				"bridge":           "kubelab0",
				"isDefaultGateway": true, // also adds the pods' default route
				// netd masquerades, and only traffic leaving the cluster's pod range.
				"ipMasq": false,
				// A pod may reach itself through a Service that picked it.
				"hairpinMode": true,
				"ipam":        map[string]any{"type": "host-local", "ranges": ranges},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// writeIfChanged replaces path atomically when its content differs: the container
// runtime may read it at any moment.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kubelab-netd-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
