package servicelb

import (
	"fmt"
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Claims maps each pool address a served Service's status holds to that Service's key.
// When two Services hold the same address, the older keeps it. assumed overrides the
// status of Services whose update the informer has not delivered yet (key → address,
// invalid for none).
func (p Pool) Claims(svcs []*corev1.Service, assumed map[string]netip.Addr) map[netip.Addr]string {
	sorted := append([]*corev1.Service(nil), svcs...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return Key(a) < Key(b)
	})
	claims := map[netip.Addr]string{}
	for _, svc := range sorted {
		if !Served(svc) {
			continue
		}
		ips := p.IngressIPs(svc)
		if a, ok := assumed[Key(svc)]; ok {
			ips = nil
			if a.IsValid() {
				ips = []netip.Addr{a}
			}
		}
		for _, a := range ips {
			if _, taken := claims[a]; !taken {
				claims[a] = Key(svc)
			}
		}
	}
	return claims
}

// Decision is what the Service's status should hold, and an Event to tell the user why
// if anything went wrong or was done.
type Decision struct {
	IP      netip.Addr // invalid: no address from the pool
	Warning bool       // the Event is a warning
	Reason  string     // "" for no Event
	Message string
}

// Event reasons.
const (
	ReasonAllocated  = "IPAllocated"
	ReasonNotInRange = "LoadBalancerIPNotInRange"
	ReasonInUse      = "LoadBalancerIPInUse"
	ReasonExhausted  = "AllocationFailed"
	ReasonReleased   = "IPReleased"
)

// Decide chooses a Service's address given what every Service claims: a Service that is
// not a served LoadBalancer gets none; spec.loadBalancerIP is honoured if it is in the
// pool and free; an address the Service already holds is kept; otherwise it gets the
// lowest free one.
func (p Pool) Decide(svc *corev1.Service, claims map[netip.Addr]string) Decision {
	key := Key(svc)
	if !Served(svc) {
		return Decision{}
	}
	free := func(a netip.Addr) bool { owner, ok := claims[a]; return !ok || owner == key }
	if req := svc.Spec.LoadBalancerIP; req != "" {
		a, err := netip.ParseAddr(req)
		if err != nil || !p.Contains(a) {
			return Decision{Warning: true, Reason: ReasonNotInRange,
				Message: fmt.Sprintf("spec.loadBalancerIP %s is not in this cluster's LoadBalancer range %s", req, p.Prefix)}
		}
		if !free(a) {
			return Decision{Warning: true, Reason: ReasonInUse,
				Message: fmt.Sprintf("spec.loadBalancerIP %s is already used by Service %s", req, claims[a])}
		}
		return Decision{IP: a}
	}
	for _, a := range p.IngressIPs(svc) {
		if free(a) {
			return Decision{IP: a}
		}
	}
	for _, a := range p.Addrs() {
		if free(a) {
			return Decision{IP: a}
		}
	}
	return Decision{Warning: true, Reason: ReasonExhausted,
		Message: fmt.Sprintf("no free address left in this cluster's LoadBalancer range %s", p.Prefix)}
}

// Status is the load-balancer status a Service gets for a decision: the pool address; or
// for a Service no longer a LoadBalancer, its status without pool addresses; or, for a
// LoadBalancer of another class, its status untouched.
func (p Pool) Status(svc *corev1.Service, d Decision) corev1.LoadBalancerStatus {
	var out corev1.LoadBalancerStatus
	if d.IP.IsValid() {
		out.Ingress = []corev1.LoadBalancerIngress{{IP: d.IP.String()}}
		return out
	}
	if Served(svc) {
		return out
	}
	if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		return svc.Status.LoadBalancer // another controller's (loadBalancerClass is immutable)
	}
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if a, err := netip.ParseAddr(in.IP); err == nil && p.Contains(a) {
			continue
		}
		out.Ingress = append(out.Ingress, in)
	}
	return out
}

// SameIPs says whether two statuses list the same addresses and hostnames, in order.
func SameIPs(a, b corev1.LoadBalancerStatus) bool {
	if len(a.Ingress) != len(b.Ingress) {
		return false
	}
	for i := range a.Ingress {
		if a.Ingress[i].IP != b.Ingress[i].IP || a.Ingress[i].Hostname != b.Ingress[i].Hostname {
			return false
		}
	}
	return true
}
