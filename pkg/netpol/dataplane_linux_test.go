//go:build linux

package netpol

import "testing"

// An `iptables -S KUBELAB-NETPOL` listing of the chain as iptables-nft 1.8.9 prints it.
var listed = []string{
	"-N KUBELAB-NETPOL",
	"-A KUBELAB-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
	"-A KUBELAB-NETPOL -m owner --uid-owner 0 -j RETURN",
	"-A KUBELAB-NETPOL -m set --match-set KUBELAB-NETPOL-PODS src -j NFQUEUE --queue-num 100 --queue-bypass",
	"-A KUBELAB-NETPOL -m set --match-set KUBELAB-NETPOL-PODS dst -j NFQUEUE --queue-num 100 --queue-bypass",
}

func TestSameRules(t *testing.T) {
	if !sameRules(listed, Rules(100)) {
		t.Error("the chain as listed differs from Rules(100)")
	}
	if sameRules(listed, Rules(101)) {
		t.Error("another queue number compares equal")
	}
	if sameRules(listed[:3], Rules(100)) {
		t.Error("a chain missing rules compares equal")
	}
	swapped := []string{listed[0], listed[2], listed[1], listed[3], listed[4]}
	if sameRules(swapped, Rules(100)) {
		t.Error("rules out of order compare equal")
	}
}
