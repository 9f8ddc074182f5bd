// Package servicelb gives LoadBalancer Services of a kubelab cluster addresses that
// answer, as layer-2 load balancers do on a real network. Two parts run in every
// kubelab-netd:
//
//   - the allocator (one elected netd at a time) gives each LoadBalancer Service an
//     address from the cluster's block of the Docker network and writes it to
//     status.loadBalancer.ingress, honouring spec.loadBalancerIP and ignoring Services
//     of another loadBalancerClass;
//   - the announcer, on each node, works out which node holds each address (one Ready
//     node whose netd is alive, the same answer on every node) and, on that node, adds
//     the address to the node's interface and sends gratuitous ARP, so the Docker
//     network delivers the traffic there; kube-proxy then forwards it to the pods.
package servicelb

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
)

// Class is the loadBalancerClass kubelab-netd serves; Services without a class are
// served too.
const Class = "kubelab.io/netd"

// Pool is the cluster's range of LoadBalancer addresses.
type Pool struct{ Prefix netip.Prefix }

// Contains says whether a is one of the pool's addresses.
func (p Pool) Contains(a netip.Addr) bool { return a.Is4() && p.Prefix.Contains(a) }

// Addrs lists the pool's addresses in order, leaving out those ending in .0 and .255,
// which some programs take for network and broadcast addresses.
func (p Pool) Addrs() []netip.Addr {
	var out []netip.Addr
	for a := p.Prefix.Masked().Addr(); p.Prefix.Contains(a); a = a.Next() {
		if b := a.As4(); b[3] != 0 && b[3] != 255 {
			out = append(out, a)
		}
	}
	return out
}

// Served says whether the Service is a LoadBalancer this controller serves: type
// LoadBalancer, with no loadBalancerClass or kubelab's.
func Served(svc *corev1.Service) bool {
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return false
	}
	return svc.Spec.LoadBalancerClass == nil || *svc.Spec.LoadBalancerClass == Class
}

// IngressIPs are the Service's status addresses that lie in the pool.
func (p Pool) IngressIPs(svc *corev1.Service) []netip.Addr {
	var out []netip.Addr
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if a, err := netip.ParseAddr(in.IP); err == nil && p.Contains(a) {
			out = append(out, a)
		}
	}
	return out
}

// Key is a Service's namespace/name.
func Key(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }
