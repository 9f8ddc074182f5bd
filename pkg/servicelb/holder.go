package servicelb

import (
	"hash/fnv"
	"sort"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// ExcludeLabel keeps a node from holding LoadBalancer addresses, as for cloud load
// balancers; kubeadm puts it on control-plane nodes.
const ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers"

// Candidates are the nodes that may hold LoadBalancer addresses, sorted: Ready, with a
// live netd (its heartbeat Lease, see heartbeat.go, renewed within its duration at now),
// and without ExcludeLabel, unless every such node has it (a single-node cluster's
// control plane still serves).
func Candidates(nodes []*corev1.Node, heartbeats []*coordinationv1.Lease, now time.Time) []string {
	alive := map[string]bool{}
	for _, l := range heartbeats {
		if l.Spec.HolderIdentity == nil || l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
			continue
		}
		expiry := l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)
		if now.Before(expiry) {
			alive[*l.Spec.HolderIdentity] = true
		}
	}
	var preferred, excluded []string
	for _, n := range nodes {
		if !ready(n) || !alive[n.Name] {
			continue
		}
		if _, ok := n.Labels[ExcludeLabel]; ok {
			excluded = append(excluded, n.Name)
		} else {
			preferred = append(preferred, n.Name)
		}
	}
	out := preferred
	if len(out) == 0 {
		out = excluded
	}
	sort.Strings(out)
	return out
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Holder picks the node that holds a Service's address: of the candidates, the one
// with the highest hash of (Service, node). Every netd computes the same answer from
// the same facts, addresses spread over the nodes, and a node coming or going moves
// only the addresses it held or wins. "" if there is no candidate.
func Holder(serviceKey string, candidates []string) string {
	var best string
	var bestScore uint64
	for _, n := range candidates {
		h := fnv.New64a()
		h.Write([]byte(serviceKey + "\x00" + n))
		if s := h.Sum64(); best == "" || s > bestScore {
			best, bestScore = n, s
		}
	}
	return best
}

// LocalCandidates narrows the candidates for a Service with externalTrafficPolicy
// Local to the nodes with a ready endpoint of it (others would drop its traffic).
func LocalCandidates(svc *corev1.Service, candidates []string, slices []*discoveryv1.EndpointSlice) []string {
	if svc.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
		return candidates
	}
	has := map[string]bool{}
	for _, s := range slices {
		if s.Namespace != svc.Namespace || s.Labels[discoveryv1.LabelServiceName] != svc.Name {
			continue
		}
		for _, ep := range s.Endpoints {
			if ep.NodeName != nil && (ep.Conditions.Ready == nil || *ep.Conditions.Ready) {
				has[*ep.NodeName] = true
			}
		}
	}
	var out []string
	for _, n := range candidates {
		if has[n] {
			out = append(out, n)
		}
	}
	return out
}
