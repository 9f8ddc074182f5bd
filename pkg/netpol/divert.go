package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
)

// Names of what the diverter owns in the node's netfilter.
const (
	// Chain is kubelab's chain in the mangle table, jumped to first from POSTROUTING.
	Chain = "KUBELAB-NETPOL"
	// Set is the ipset of the addresses of the pods some NetworkPolicy selects (an ipset
	// name has at most 31 characters).
	Set = "KUBELAB-NETPOL-PODS"
)

// Rules are the rules of Chain, in order, for the given NFQUEUE number.
func Rules(queue int) [][]string {
	q := []string{"-j", "NFQUEUE", "--queue-num", strconv.Itoa(queue),
		// With no program reading the queue (the DaemonSet's pod restarting, the add-on
		// being removed) packets pass: a learner's cluster keeps working, unenforced.
		"--queue-bypass"}
	return [][]string{
		// A connection is decided by its first packet; the rest of it, and the ICMP errors
		// and data connections related to it, follow that decision (written in the order
		// iptables prints the states back, so that a listing compares equal).
		{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"},
		// The node's own root processes (kubelet's probes above all) always reach pods,
		// as upstream decides too.
		{"-m", "owner", "--uid-owner", "0", "-j", "RETURN"},
		append([]string{"-m", "set", "--match-set", Set, "src"}, q...),
		append([]string{"-m", "set", "--match-set", Set, "dst"}, q...),
	}
}

// JumpRule sends every packet leaving through POSTROUTING to Chain.
var JumpRule = []string{"-m", "comment", "--comment", "kubelab network policies: decide new pod connections", "-j", Chain}

// Dataplane is the node's netfilter, limited to what the diverter owns.
type Dataplane interface {
	// EnsureRules makes Chain hold exactly rules, and POSTROUTING jump to it first.
	EnsureRules(rules [][]string) error
	// SetMembers makes Set hold exactly addrs.
	SetMembers(addrs []netip.Addr) error
}

// Diverter keeps a node's diversion of policed pods' packets to the queue up to date.
type Diverter struct {
	Dataplane Dataplane
	Queue     int
	synced    bool
	last      []netip.Addr
}

// Sync diverts the traffic of the given pods (see Selected). The rules are checked every
// time, so a flush of the tables by anyone is repaired at the next sync; the set is
// written only when it changed.
func (d *Diverter) Sync(addrs []netip.Addr) error {
	if err := d.Dataplane.EnsureRules(Rules(d.Queue)); err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	if d.synced && slices.Equal(addrs, d.last) {
		return nil
	}
	if err := d.Dataplane.SetMembers(addrs); err != nil {
		return fmt.Errorf("set %s: %w", Set, err)
	}
	d.synced, d.last = true, slices.Clone(addrs)
	return nil
}
