package servicelb

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestCandidates(t *testing.T) {
	now := epoch.Add(time.Hour)
	cp := map[string]string{ExcludeLabel: ""}
	nodes := []*corev1.Node{
		readyNode("lab-control-plane", true, cp),
		readyNode("lab-worker2", true, nil),
		readyNode("lab-worker", true, nil),
		readyNode("lab-worker3", false, nil), // NotReady
		readyNode("lab-worker4", true, nil),  // netd silent
	}
	beats := []*coordinationv1.Lease{
		heartbeat("lab-control-plane", now), heartbeat("lab-worker", now.Add(-time.Second)),
		heartbeat("lab-worker2", now), heartbeat("lab-worker3", now),
		heartbeat("lab-worker4", now.Add(-HeartbeatDuration-time.Second)),
	}
	if got := Candidates(nodes, beats, now); !reflect.DeepEqual(got, []string{"lab-worker", "lab-worker2"}) {
		t.Errorf("candidates: %v", got)
	}
	// Only the control plane left: it serves, label or not.
	if got := Candidates(nodes[:1], beats, now); !reflect.DeepEqual(got, []string{"lab-control-plane"}) {
		t.Errorf("single node: %v", got)
	}
	if got := Candidates(nodes, nil, now); len(got) != 0 {
		t.Errorf("no heartbeats, yet candidates %v", got)
	}
}

func TestHolderIsStableAndSpreads(t *testing.T) {
	nodes := []string{"a", "b", "c"}
	count := map[string]int{}
	for i := 0; i < 60; i++ {
		key := fmt.Sprintf("default/svc%d", i)
		h := Holder(key, nodes)
		count[h]++
		if Holder(key, []string{"c", "a", "b"}) != h {
			t.Fatalf("%s: holder depends on the candidates' order", key)
		}
		// Another node leaving moves nothing it did not hold.
		for _, gone := range nodes {
			if gone == h {
				continue
			}
			var rest []string
			for _, n := range nodes {
				if n != gone {
					rest = append(rest, n)
				}
			}
			if Holder(key, rest) != h {
				t.Errorf("%s moved from %s when %s left", key, h, gone)
			}
		}
	}
	if len(count) != 3 {
		t.Errorf("addresses not spread over the nodes: %v", count)
	}
	if Holder("default/x", nil) != "" {
		t.Error("a holder without candidates")
	}
}

func TestLocalCandidates(t *testing.T) {
	svc := lbService("web", 0)
	all := []string{"a", "b", "c"}
	slices := []*discoveryv1.EndpointSlice{{
		ObjectMeta: metav1.ObjectMeta{Name: "web-x", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		Endpoints: []discoveryv1.Endpoint{
			{NodeName: ptr.To("b"), Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}},
			{NodeName: ptr.To("c"), Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(false)}},
		},
	}}
	if got := LocalCandidates(svc, all, slices); !reflect.DeepEqual(got, all) {
		t.Errorf("policy Cluster narrowed to %v", got)
	}
	svc.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	if got := LocalCandidates(svc, all, slices); !reflect.DeepEqual(got, []string{"b"}) {
		t.Errorf("policy Local: %v", got)
	}
}
