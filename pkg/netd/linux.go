//go:build linux

package netd

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
)

// routeProtocol marks the routes netd adds, so it never touches anyone else's.
const routeProtocol = netlink.RouteProtocol(75)

// NetlinkRoutes is the node's main routing table through netlink.
type NetlinkRoutes struct{}

func (NetlinkRoutes) List() ([]Route, error) {
	list, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return nil, err
	}
	var out []Route
	for _, r := range list {
		if r.Dst == nil || r.Gw == nil {
			continue
		}
		dst, ok1 := netip.AddrFromSlice(r.Dst.IP)
		via, ok2 := netip.AddrFromSlice(r.Gw)
		if !ok1 || !ok2 {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		out = append(out, Route{Dst: netip.PrefixFrom(dst.Unmap(), ones), Via: via.Unmap()})
	}
	return out, nil
}

func toNetlink(r Route) *netlink.Route {
	bits := 32
	if r.Dst.Addr().Is6() {
		bits = 128
	}
	return &netlink.Route{
		Dst:      &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), bits)},
		Gw:       r.Via.AsSlice(),
		Protocol: routeProtocol,
	}
}

func (NetlinkRoutes) Replace(r Route) error {
	if err := netlink.RouteReplace(toNetlink(r)); err != nil {
		return fmt.Errorf("route %s: %w", r, err)
	}
	return nil
}

func (NetlinkRoutes) Delete(r Route) error {
	if err := netlink.RouteDel(toNetlink(r)); err != nil {
		return fmt.Errorf("delete route %s: %w", r, err)
	}
	return nil
}

const masqChain = "KUBELAB-MASQ"

// IPTablesMasq masquerades with iptables (the backend the node uses).
type IPTablesMasq struct{}

func (IPTablesMasq) Ensure(cidr netip.Prefix) error {
	ipt, err := chainFor(cidr, "nat", masqChain)
	if err != nil {
		return err
	}
	// Traffic between pods keeps its source address; anything else leaving a pod
	// takes the node's address.
	if err := ipt.AppendUnique("nat", masqChain, "-d", cidr.String(), "-j", "RETURN"); err != nil {
		return err
	}
	if err := ipt.AppendUnique("nat", masqChain, "-j", "MASQUERADE"); err != nil {
		return err
	}
	return ipt.AppendUnique("nat", "POSTROUTING", "-s", cidr.String(), "-m", "comment",
		"--comment", "kubelab-netd: masquerade pod traffic leaving the pod network", "-j", masqChain)
}

const guardChain = "KUBELAB-SERVICES"

// IPTablesServiceGuard rejects, in the filter table, new traffic still addressed to the
// Service range: kube-proxy's NAT already rewrote every address and port a Service has.
type IPTablesServiceGuard struct{}

func (IPTablesServiceGuard) Ensure(cidr netip.Prefix) error {
	ipt, err := chainFor(cidr, "filter", guardChain)
	if err != nil {
		return err
	}
	// TCP gets a reset, like a closed port; anything else an ICMP port unreachable.
	if err := ipt.AppendUnique("filter", guardChain, "-d", cidr.String(), "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"); err != nil {
		return err
	}
	if err := ipt.AppendUnique("filter", guardChain, "-d", cidr.String(), "-j", "REJECT"); err != nil {
		return err
	}
	// From pods (FORWARD) and from the node itself (OUTPUT), first: nothing before it may
	// accept a packet to a Service address that no rule translated.
	for _, chain := range []string{"FORWARD", "OUTPUT"} {
		rule := []string{"-d", cidr.String(), "-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
			"--comment", "kubelab-netd: reject Service-range traffic no Service port matched", "-j", guardChain}
		if err := ipt.InsertUnique("filter", chain, 1, rule...); err != nil {
			return err
		}
	}
	return nil
}

// chainFor returns iptables for the family of cidr, with netd's chain made in table.
func chainFor(cidr netip.Prefix, table, chain string) (*iptables.IPTables, error) {
	proto := iptables.ProtocolIPv4
	if cidr.Addr().Is6() {
		proto = iptables.ProtocolIPv6
	}
	ipt, err := iptables.NewWithProtocol(proto)
	if err != nil {
		return nil, err
	}
	if exists, err := ipt.ChainExists(table, chain); err != nil {
		return nil, err
	} else if !exists {
		if err := ipt.NewChain(table, chain); err != nil {
			return nil, err
		}
	}
	return ipt, nil
}
