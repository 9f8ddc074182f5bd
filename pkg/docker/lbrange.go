package docker

import (
	"fmt"
	"net/netip"
)

// LoadBalancerBlockBits is the size of the block of LoadBalancer addresses each cluster
// gets on the network: a /27, 32 addresses.
const LoadBalancerBlockBits = 27

// The kubelab network's subnet is split in four quarters: node addresses (kubelab's
// fixed ones) come from the first, LoadBalancer Service addresses from the second, and
// Docker's IPAM hands out dynamic addresses only from the upper half (the network's
// IPRange). So Docker never gives a LoadBalancer address to a container.

// nodeArea is where FreeIP picks node addresses: the first quarter of the subnet.
func nodeArea(subnet netip.Prefix) netip.Prefix {
	return netip.PrefixFrom(subnet.Masked().Addr(), subnet.Bits()+2)
}

// LoadBalancerArea is the second quarter of the network's subnet, the addresses
// LoadBalancer Services get. It fails when Docker may hand out addresses from it: a
// network without an IPRange, or one whose IPRange overlaps it (made by hand, not by
// kubelab).
func LoadBalancerArea(nw Network) (netip.Prefix, error) {
	subnet, err := netip.ParsePrefix(nw.Subnet)
	if err != nil || !subnet.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("network %s: no IPv4 subnet", nw.Name)
	}
	subnet = subnet.Masked()
	if subnet.Bits() > 32-2-5 {
		return netip.Prefix{}, fmt.Errorf("network %s: subnet %s is too small for LoadBalancer addresses", nw.Name, subnet)
	}
	area := netip.PrefixFrom(nodeArea(subnet).Addr(), subnet.Bits()+2)
	area = netip.PrefixFrom(addUint(area.Addr(), 1<<(32-area.Bits())), area.Bits())
	r, err := netip.ParsePrefix(nw.IPRange)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("network %s has no IPRange: Docker may give any address of %s to a container, so kubelab hands out no LoadBalancer addresses on it", nw.Name, subnet)
	}
	if r.Overlaps(area) {
		return netip.Prefix{}, fmt.Errorf("network %s: its IPRange %s overlaps %s, where LoadBalancer addresses would come from", nw.Name, r, area)
	}
	return area, nil
}

// FreeLoadBalancerBlock returns the lowest block of LoadBalancerBlockBits in the
// network's LoadBalancer area that no other cluster uses (used lists other clusters'
// blocks, as their nodes' labels carry them).
func FreeLoadBalancerBlock(nw Network, used []string) (netip.Prefix, error) {
	area, err := LoadBalancerArea(nw)
	if err != nil {
		return netip.Prefix{}, err
	}
	var taken []netip.Prefix
	for _, u := range used {
		if p, err := netip.ParsePrefix(u); err == nil {
			taken = append(taken, p)
		}
	}
	step := uint32(1) << (32 - LoadBalancerBlockBits)
	for a := area.Addr(); area.Contains(a); a = addUint(a, step) {
		block := netip.PrefixFrom(a, LoadBalancerBlockBits)
		if !overlapsAny(block, taken) {
			return block, nil
		}
		if addUint(a, step).Less(a) { // wrapped around 255.255.255.255
			break
		}
	}
	return netip.Prefix{}, fmt.Errorf("network %s: every LoadBalancer block of %s is used by another cluster", nw.Name, area)
}

func addUint(a netip.Addr, n uint32) netip.Addr {
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
