package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"

	"github.com/kubelab/kubelab/pkg/labels"
)

// Candidate subnets for the kubelab network, tried in order until one overlaps nothing.
// An explicit subnet is what lets nodes have fixed addresses.
var candidateSubnets = func() []string {
	var s []string
	for i := 30; i >= 18; i-- {
		s = append(s, fmt.Sprintf("172.%d.0.0/16", i))
	}
	for i := 240; i >= 160; i -= 16 {
		s = append(s, fmt.Sprintf("192.168.%d.0/20", i))
	}
	return s
}()

// EnsureNetwork returns the bridge network of that exact name, creating it on the first
// free candidate subnet if there is none, and repairing duplicates (see repairDuplicates)
// if an older kubelab or another tool made several. Callers hold LockNetwork.
func (c *Client) EnsureNetwork(ctx context.Context, name string) (Network, error) {
	nets, err := c.networksNamed(ctx, name)
	if err != nil {
		return Network{}, err
	}
	if len(nets) == 0 {
		if err := c.createNetwork(ctx, name); err != nil {
			return Network{}, err
		}
		// Another tool (or a kubelab without the lock) may have made one at the same moment.
		if nets, err = c.networksNamed(ctx, name); err != nil {
			return Network{}, err
		}
	}
	switch len(nets) {
	case 0:
		return Network{}, fmt.Errorf("network %s was created but the daemon does not list it", name)
	case 1:
		return c.inspectNetwork(ctx, nets[0].ID)
	}
	keep, err := c.repairDuplicates(ctx, name, nets)
	if err != nil {
		return Network{}, err
	}
	return c.inspectNetwork(ctx, keep)
}

// networksNamed lists the networks named exactly name: the daemon's name filter also
// matches names that merely contain it.
func (c *Client) networksNamed(ctx context.Context, name string) ([]network.Summary, error) {
	list, err := c.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []network.Summary
	for _, n := range list {
		if n.Name == name {
			out = append(out, n)
		}
	}
	return out, nil
}

// createNetwork creates the network on the first candidate subnet no other network uses.
func (c *Client) createNetwork(ctx context.Context, name string) error {
	used, err := c.usedSubnets(ctx)
	if err != nil {
		return err
	}
	var lastErr error
	for _, cidr := range candidateSubnets {
		p := netip.MustParsePrefix(cidr)
		if overlapsAny(p, used) {
			continue
		}
		gw := p.Addr().Next()
		// Docker hands out dynamic addresses only from the upper half of the subnet; kubelab
		// gives nodes fixed addresses and LoadBalancer Services addresses from the lower
		// half (lbrange.go), so they never collide.
		upper := upperHalf(p)
		_, err := c.api.NetworkCreate(ctx, name, network.CreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: cidr, IPRange: upper.String(), Gateway: gw.String()}}},
			Labels: map[string]string{labels.Cluster: ""},
			Options: map[string]string{
				// Nodes reach the outside world (apt mirrors, the host) through NAT.
				"com.docker.network.bridge.enable_ip_masquerade": "true",
			},
		})
		if err == nil || cerrdefs.IsConflict(err) || strings.Contains(err.Error(), "already exists") {
			return nil // made now, or by another tool in the meantime
		}
		lastErr = err
		if !strings.Contains(err.Error(), "overlap") {
			return fmt.Errorf("create network %s: %w", name, err)
		}
	}
	return fmt.Errorf("create network %s: no free subnet among the candidates: %v", name, lastErr)
}

func upperHalf(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	bits := p.Bits() + 1
	hostBits := 32 - bits
	// set the highest host bit of the original prefix
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= 1 << hostBits
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
}

func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if p.Overlaps(u) {
			return true
		}
	}
	return false
}

func (c *Client) usedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	nets, err := c.api.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var used []netip.Prefix
	for _, n := range nets {
		for _, cfg := range n.IPAM.Config {
			if p, err := netip.ParsePrefix(cfg.Subnet); err == nil {
				used = append(used, p)
			}
		}
	}
	return used, nil
}

func (c *Client) inspectNetwork(ctx context.Context, id string) (Network, error) {
	n, err := c.api.NetworkInspect(ctx, id, network.InspectOptions{})
	if err != nil {
		return Network{}, err
	}
	out := Network{ID: n.ID, Name: n.Name}
	for _, cfg := range n.IPAM.Config {
		if p, err := netip.ParsePrefix(cfg.Subnet); err == nil && p.Addr().Is4() {
			out.Subnet, out.Gateway, out.IPRange = cfg.Subnet, cfg.Gateway, cfg.IPRange
		}
	}
	if out.Subnet == "" {
		return out, fmt.Errorf("network %s has no IPv4 subnet of its own; remove it (docker network rm %s) and retry", n.Name, n.ID)
	}
	return out, nil
}

// RemoveNetworkIfUnused removes the networks of that name once no container, running or
// stopped kubelab node, is on them. The local registry does not count: it leaves the
// network (it stays on the host's port) and joins the next one a cluster with a registry
// creates. Callers hold LockNetwork.
func (c *Client) RemoveNetworkIfUnused(ctx context.Context, name string) error {
	nets, err := c.networksNamed(ctx, name)
	if err != nil || len(nets) == 0 {
		return err
	}
	// Stopped kubelab nodes are not among a network's containers but still hold fixed
	// addresses on it.
	nodes, err := c.ListNodes(ctx, "")
	if err != nil || len(nodes) > 0 {
		return err
	}
	for _, summary := range nets {
		n, err := c.api.NetworkInspect(ctx, summary.ID, network.InspectOptions{})
		if cerrdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		var registries []string
		inUse := false
		for id := range n.Containers {
			if !c.isRegistry(ctx, id) {
				inUse = true
				break
			}
			registries = append(registries, id)
		}
		if inUse {
			continue
		}
		for _, id := range registries {
			if err := c.api.NetworkDisconnect(ctx, n.ID, id, true); err != nil && !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("disconnect the registry from network %s: %w", name, err)
			}
		}
		if err := c.api.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("remove network %s (%s): %w", name, shortID(n.ID), err)
		}
	}
	return nil
}

// FreeIP picks the lowest address of the subnet's first quarter (see lbrange.go) that no
// container on the network (running or stopped) holds and that is not in taken.
func (c *Client) FreeIP(ctx context.Context, nw Network, taken []string) (string, error) {
	p, err := netip.ParsePrefix(nw.Subnet)
	if err != nil {
		return "", fmt.Errorf("network %s: bad subnet %q", nw.Name, nw.Subnet)
	}
	busy := map[string]bool{nw.Gateway: true}
	for _, t := range taken {
		busy[t] = true
	}
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return "", fmt.Errorf("list containers: %w", err)
	}
	for _, ct := range list {
		if ct.NetworkSettings == nil {
			continue
		}
		if ep := endpointOn(ct.NetworkSettings.Networks, nw); ep != nil {
			busy[ep.IPAddress] = true
			if ep.IPAMConfig != nil {
				busy[ep.IPAMConfig.IPv4Address] = true
			}
		}
	}
	// Stopped containers do not report their configured address in the list: inspect them.
	for _, ct := range list {
		if ct.State == "running" {
			continue
		}
		info, err := c.api.ContainerInspect(ctx, ct.ID)
		if err != nil || info.NetworkSettings == nil {
			continue
		}
		if ep := endpointOn(info.NetworkSettings.Networks, nw); ep != nil && ep.IPAMConfig != nil {
			busy[ep.IPAMConfig.IPv4Address] = true
		}
	}
	area := nodeArea(p)
	for a := p.Addr().Next(); area.Contains(a); a = a.Next() {
		if !busy[a.String()] {
			return a.String(), nil
		}
	}
	return "", fmt.Errorf("network %s: no free address left in %s", nw.Name, nw.Subnet)
}

// endpointOn is a container's endpoint on network nw, found by the network's ID (the
// name alone may be ambiguous), or nil.
func endpointOn(eps map[string]*network.EndpointSettings, nw Network) *network.EndpointSettings {
	for key, ep := range eps {
		if ep != nil && (ep.NetworkID == nw.ID || (ep.NetworkID == "" && key == nw.Name)) {
			return ep
		}
	}
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
