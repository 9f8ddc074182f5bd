//go:build linux

package servicelb

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// LinkAddresses holds pool addresses on the node's interface on the Docker network:
// the one whose own subnet contains the pool (eth0 in a kubelab node).
type LinkAddresses struct {
	Pool Pool
	link netlink.Link
}

func (l *LinkAddresses) findLink() (netlink.Link, error) {
	if l.link != nil {
		return l.link, nil
	}
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	for _, link := range links {
		addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ones, _ := a.Mask.Size(); ones < 32 && a.IPNet.Contains(l.Pool.Prefix.Addr().AsSlice()) {
				l.link = link
				return link, nil
			}
		}
	}
	return nil, fmt.Errorf("no interface on the network of %s", l.Pool.Prefix)
}

// hostAddr is a pool address as the node holds it: a /32, so that it adds no route and
// is never picked as the source of the node's own traffic to the network.
func (l *LinkAddresses) hostAddr(link netlink.Link, ip netip.Addr) *netlink.Addr {
	a := &netlink.Addr{IPNet: &net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(32, 32)}}
	// A label shows learners where the address comes from in `ip addr` (at most 15 bytes).
	if name := link.Attrs().Name + ":lb"; len(name) <= 15 {
		a.Label = name
	}
	return a
}

func (l *LinkAddresses) List() ([]netip.Addr, error) {
	link, err := l.findLink()
	if err != nil {
		return nil, err
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if ones, _ := a.Mask.Size(); ok && ones == 32 && l.Pool.Contains(ip.Unmap()) {
			out = append(out, ip.Unmap())
		}
	}
	return out, nil
}

func (l *LinkAddresses) Add(ip netip.Addr) error {
	link, err := l.findLink()
	if err != nil {
		return err
	}
	return netlink.AddrReplace(link, l.hostAddr(link, ip))
}

func (l *LinkAddresses) Delete(ip netip.Addr) error {
	link, err := l.findLink()
	if err != nil {
		return err
	}
	return netlink.AddrDel(link, l.hostAddr(link, ip))
}

// Announce broadcasts a gratuitous ARP request and reply for ip from the interface:
// neighbours that know the address update it to this node's MAC address at once.
func (l *LinkAddresses) Announce(ip netip.Addr) error {
	link, err := l.findLink()
	if err != nil {
		return err
	}
	mac := link.Attrs().HardwareAddr
	if len(mac) != 6 {
		return fmt.Errorf("interface %s has no Ethernet address", link.Attrs().Name)
	}
	proto := htons(unix.ETH_P_ARP)
	// A datagram packet socket: the kernel writes the Ethernet header from the address.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(proto))
	if err != nil {
		return fmt.Errorf("packet socket: %w", err)
	}
	defer unix.Close(fd)
	to := &unix.SockaddrLinklayer{Protocol: proto, Ifindex: link.Attrs().Index, Halen: 6,
		Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	for _, op := range []uint16{1, 2} { // request, then reply
		if err := unix.Sendto(fd, garp(op, mac, ip), 0, to); err != nil {
			return fmt.Errorf("send ARP: %w", err)
		}
	}
	return nil
}

// garp is an ARP packet (Ethernet, IPv4) in which the sender and the target are both
// ip: "ip is at mac".
func garp(op uint16, mac net.HardwareAddr, ip netip.Addr) []byte {
	p := make([]byte, 28)
	binary.BigEndian.PutUint16(p[0:], 1)      // hardware type: Ethernet
	binary.BigEndian.PutUint16(p[2:], 0x0800) // protocol type: IPv4
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:], op)
	a := ip.As4()
	copy(p[8:], mac)
	copy(p[14:], a[:])
	if op == 2 {
		copy(p[18:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	}
	copy(p[24:], a[:])
	return p
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
