package netpol

import (
	"fmt"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pod(ns, name, ip string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}},
	}
}

func policy(ns string, sel metav1.LabelSelector) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: sel}}
}

func TestSelected(t *testing.T) {
	web := pod("shop", "web", "10.244.1.5", map[string]string{"app": "web"})
	db := pod("shop", "db", "10.244.2.7", map[string]string{"app": "db"})
	other := pod("blog", "web", "10.244.1.9", map[string]string{"app": "web"})
	host := pod("shop", "agent", "172.30.0.3", map[string]string{"app": "web"})
	host.Spec.HostNetwork = true
	done := pod("shop", "job", "10.244.1.6", map[string]string{"app": "web"})
	done.Status.Phase = corev1.PodSucceeded
	pending := pod("shop", "new", "", map[string]string{"app": "web"})
	v6 := pod("shop", "v6", "fd00::5", map[string]string{"app": "web"})
	all := []*corev1.Pod{db, web, other, host, done, pending, v6}

	for _, tc := range []struct {
		name     string
		policies []*networkingv1.NetworkPolicy
		want     string
	}{
		{"no policy selects no pod", nil, "[]"},
		{"a label selects in the policy's namespace only", []*networkingv1.NetworkPolicy{
			policy("shop", metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}})}, "[10.244.1.5]"},
		{"an empty selector selects the whole namespace, sorted", []*networkingv1.NetworkPolicy{
			policy("shop", metav1.LabelSelector{})}, "[10.244.1.5 10.244.2.7]"},
		{"expressions", []*networkingv1.NetworkPolicy{policy("shop", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"web"}}}})}, "[10.244.2.7]"},
		{"two policies selecting one pod list it once", []*networkingv1.NetworkPolicy{
			policy("shop", metav1.LabelSelector{}), policy("shop", metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}),
			policy("blog", metav1.LabelSelector{})}, "[10.244.1.5 10.244.1.9 10.244.2.7]"},
		{"an invalid selector selects nothing", []*networkingv1.NetworkPolicy{policy("shop", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: "Near"}}})}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(Selected(tc.policies, all)); got != tc.want {
				t.Errorf("Selected = %s, want %s", got, tc.want)
			}
		})
	}
}

// fakeDataplane records what the diverter asks for.
type fakeDataplane struct {
	rules    [][]string
	set      []netip.Addr
	setCalls int
	fail     error
}

func (f *fakeDataplane) EnsureRules(r [][]string) error { f.rules = r; return f.fail }
func (f *fakeDataplane) SetMembers(a []netip.Addr) error {
	f.setCalls++
	f.set = a
	return nil
}

func TestDiverterWritesTheSetOnlyWhenItChanges(t *testing.T) {
	f := &fakeDataplane{}
	d := &Diverter{Dataplane: f, Queue: 100}
	a := []netip.Addr{netip.MustParseAddr("10.244.1.5")}
	for range 2 {
		if err := d.Sync(a); err != nil {
			t.Fatal(err)
		}
	}
	if f.setCalls != 1 || fmt.Sprint(f.set) != "[10.244.1.5]" {
		t.Errorf("set written %d times, holds %v; want once, [10.244.1.5]", f.setCalls, f.set)
	}
	if err := d.Sync(nil); err != nil || f.setCalls != 2 || len(f.set) != 0 {
		t.Errorf("emptied: err %v, %d calls, set %v", err, f.setCalls, f.set)
	}
	// An empty set is written at the first sync too: it clears what an earlier run left.
	f2 := &fakeDataplane{}
	if err := (&Diverter{Dataplane: f2, Queue: 100}).Sync(nil); err != nil || f2.setCalls != 1 {
		t.Errorf("first sync of nothing: err %v, %d calls", err, f2.setCalls)
	}
}

func TestDiverterStopsWhenRulesFail(t *testing.T) {
	f := &fakeDataplane{fail: fmt.Errorf("no iptables")}
	if err := (&Diverter{Dataplane: f, Queue: 7}).Sync(nil); err == nil || f.setCalls != 0 {
		t.Errorf("err %v, set written %d times", err, f.setCalls)
	}
}

func TestRules(t *testing.T) {
	r := Rules(101)
	if len(r) != 4 {
		t.Fatalf("%d rules", len(r))
	}
	// Established traffic and the node's root processes pass before anything is queued;
	// both directions of a policed pod's new connections go to the queue, which lets
	// packets pass when nobody reads it.
	want := []string{
		"[-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN]",
		"[-m owner --uid-owner 0 -j RETURN]",
		"[-m set --match-set KUBELAB-NETPOL-PODS src -j NFQUEUE --queue-num 101 --queue-bypass]",
		"[-m set --match-set KUBELAB-NETPOL-PODS dst -j NFQUEUE --queue-num 101 --queue-bypass]",
	}
	for i := range want {
		if got := fmt.Sprint(r[i]); got != want[i] {
			t.Errorf("rule %d = %s, want %s", i, got, want[i])
		}
	}
}
