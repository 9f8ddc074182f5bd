//go:build linux

package netpol

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
)

// Netfilter is the node's IPv4 netfilter through iptables (the backend the node's
// iptables is set to) and ipset over netlink. kubelab's pod network is IPv4 only.
type Netfilter struct{}

// mangle's POSTROUTING runs after every DNAT (kube-proxy's Services) and before SNAT
// (masquerading): the addresses seen are the pods' own on both ends.
const table, hook = "mangle", "POSTROUTING"

func (Netfilter) EnsureRules(rules [][]string) error {
	// The rules name the set, which must exist first.
	if err := ensureSet(); err != nil {
		return err
	}
	ipt, err := iptables.NewWithProtocol(iptables.ProtocolIPv4)
	if err != nil {
		return err
	}
	if exists, err := ipt.ChainExists(table, Chain); err != nil {
		return err
	} else if !exists {
		if err := ipt.NewChain(table, Chain); err != nil {
			return err
		}
	}
	have, err := ipt.List(table, Chain)
	if err != nil {
		return err
	}
	if !sameRules(have, rules) {
		if err := ipt.ClearChain(table, Chain); err != nil {
			return err
		}
		for _, r := range rules {
			if err := ipt.Append(table, Chain, r...); err != nil {
				return fmt.Errorf("%s: %w", strings.Join(r, " "), err)
			}
		}
	}
	return ipt.InsertUnique(table, hook, 1, JumpRule...)
}

// sameRules compares `iptables -S CHAIN` (its first line is the chain itself) with rules
// as iptables prints them back: the match modules it adds and its quoting aside, each
// rule's words appear in order.
func sameRules(listed []string, rules [][]string) bool {
	if len(listed) != len(rules)+1 {
		return false
	}
	for i, r := range rules {
		line := listed[i+1]
		for _, w := range r {
			j := strings.Index(line, w)
			if j < 0 {
				return false
			}
			line = line[j+len(w):]
		}
	}
	return true
}

func ensureSet() error {
	err := netlink.IpsetCreate(Set, "hash:ip", netlink.IpsetCreateOptions{Family: syscall.AF_INET})
	if errors.Is(err, syscall.EEXIST) {
		return nil
	}
	return err
}

func (Netfilter) SetMembers(addrs []netip.Addr) error {
	if err := ensureSet(); err != nil {
		return err
	}
	res, err := netlink.IpsetList(Set)
	if err != nil {
		return err
	}
	var have []netip.Addr
	for _, e := range res.Entries {
		if a, ok := netip.AddrFromSlice(e.IP); ok {
			have = append(have, a.Unmap())
		}
	}
	var errs []error
	for _, a := range addrs {
		if !slices.Contains(have, a) {
			errs = append(errs, netlink.IpsetAdd(Set, &netlink.IPSetEntry{IP: net.IP(a.AsSlice()), Replace: true}))
		}
	}
	for _, a := range have {
		if !slices.Contains(addrs, a) {
			errs = append(errs, netlink.IpsetDel(Set, &netlink.IPSetEntry{IP: net.IP(a.AsSlice())}))
		}
	}
	return errors.Join(errs...)
}
