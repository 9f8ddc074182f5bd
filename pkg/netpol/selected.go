// Package netpol enforces NetworkPolicy in kubelab clusters. The decisions are
// sigs.k8s.io/kube-network-policies' (v0.8.0, what kind runs), imported as a library: its
// controller reads each new connection's first packet from an NFQUEUE and accepts or drops
// it by the policies. What this package adds is how packets get to that queue.
//
// Upstream diverts them with nftables' `queue` statement, and that needs the kernel's
// nft_queue (CONFIG_NFT_QUEUE), which some kernels lack: there its rules fail to load and
// nothing is enforced. The classic xtables NFQUEUE target (xt_NFQUEUE) reaches the same
// queue, and iptables programs it with either backend (through nft_compat with
// iptables-nft), so kubelab diverts with iptables: in mangle POSTROUTING (after DNAT,
// before SNAT, where upstream hooks too), the packets of new connections from or to a pod
// that some NetworkPolicy selects. Those pods' addresses are kept in an ipset.
package netpol

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Selected returns the sorted IPv4 addresses of the pods that at least one of the
// policies selects: the only pods whose traffic a policy can restrict. Pods on the node's
// network are left out (their address is the node's), and so are pods that ended.
func Selected(policies []*networkingv1.NetworkPolicy, pods []*corev1.Pod) []netip.Addr {
	type nsSelector struct {
		ns  string
		sel labels.Selector
	}
	var sels []nsSelector
	for _, p := range policies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil {
			continue // the API server validates selectors; an invalid one selects nothing
		}
		sels = append(sels, nsSelector{p.Namespace, sel})
	}
	var out []netip.Addr
	for _, pod := range pods {
		if pod.Spec.HostNetwork || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		selected := false
		for _, s := range sels {
			if s.ns == pod.Namespace && s.sel.Matches(labels.Set(pod.Labels)) {
				selected = true
				break
			}
		}
		if !selected {
			continue
		}
		for _, ip := range podIPs(pod) {
			if a, err := netip.ParseAddr(ip); err == nil && a.Is4() {
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(out)
}

func podIPs(pod *corev1.Pod) []string {
	var ips []string
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = append(ips, pod.Status.PodIP)
	}
	return ips
}
