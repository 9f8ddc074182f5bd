package graph

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// podBoxes adds one box per pod, or per owner's pods when there are too many, and returns
// which box each pod is drawn in.
func (b *builder) podBoxes(pods []*corev1.Pod, podsOf map[string][]*corev1.Pod, ownerless []*corev1.Pod, lim Limits) map[*corev1.Pod]string {
	in := map[*corev1.Pod]string{}
	owners := make([]string, 0, len(podsOf))
	for o := range podsOf {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	group := map[string]bool{}
	if len(pods) > lim.Pods {
		boxes := len(ownerless)
		for _, o := range owners {
			if len(podsOf[o]) > lim.GroupOver {
				group[o] = true
				boxes++
			} else {
				boxes += len(podsOf[o])
			}
		}
		// Still too many boxes: fold the owners with most pods first.
		sort.SliceStable(owners, func(i, j int) bool { return len(podsOf[owners[i]]) > len(podsOf[owners[j]]) })
		for _, o := range owners {
			if boxes <= lim.MaxBoxes {
				break
			}
			if !group[o] && len(podsOf[o]) > 1 {
				group[o] = true
				boxes -= len(podsOf[o]) - 1
			}
		}
		sort.Strings(owners)
		if boxes > lim.MaxBoxes {
			// Still too many owners: the first ones keep their boxes, the rest share one.
			var kept []string
			var rest []*corev1.Pod
			used := 0
			for _, o := range owners {
				n := len(podsOf[o])
				if group[o] {
					n = 1
				}
				if used+n < lim.MaxBoxes {
					kept = append(kept, o)
					used += n
				} else {
					rest = append(rest, podsOf[o]...)
				}
			}
			if used+len(ownerless) >= lim.MaxBoxes {
				rest, ownerless = append(rest, ownerless...), nil
			}
			podsOf[others] = rest
			owners, group[others] = append(kept, others), true
		}
	}
	for _, o := range owners {
		if group[o] {
			b.podGroup(o, podsOf[o], in)
			continue
		}
		for _, p := range podsOf[o] {
			b.pod(p, o, in)
		}
	}
	for _, p := range ownerless {
		b.pod(p, "", in)
	}
	return in
}

func (b *builder) pod(p *corev1.Pod, owner string, in map[*corev1.Pod]string) {
	text, class := status.Pod(p)
	ready, total := status.Ready(p)
	pid := id(KindPod, p.Namespace, p.Name)
	b.add(&Node{ID: pid, Kind: KindPod, Name: p.Name, Namespace: p.Namespace, Label: fmt.Sprintf("%s %d/%d", text, ready, total), State: class})
	in[p] = pid
	b.edge(owner, pid, "owns")
}

func (b *builder) podGroup(owner string, pods []*corev1.Pod, in map[*corev1.Pod]string) {
	states := map[string]int{}
	for _, p := range pods {
		_, class := status.Pod(p)
		states[class]++
	}
	ns := pods[0].Namespace
	name := ownerName(owner)
	gid := id(KindPodGroup, ns, owner)
	label := fmt.Sprintf("%d pods", len(pods))
	if n := states[status.OK]; n < len(pods) {
		label = fmt.Sprintf("%d pods, %d ready", len(pods), n)
	}
	b.add(&Node{ID: gid, Kind: KindPodGroup, Name: name, Namespace: ns, Label: label, State: status.Worst(states), Count: len(pods), States: states})
	b.g.Grouped = true
	for _, p := range pods {
		in[p] = gid
	}
	b.edge(owner, gid, "owns")
}
