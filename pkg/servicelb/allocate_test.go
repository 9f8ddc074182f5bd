package servicelb

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestPoolAddrsSkipsZeroAndBroadcastLookalikes(t *testing.T) {
	addrs := Pool{Prefix: netip.MustParsePrefix("172.30.64.240/28")}.Addrs()
	if len(addrs) != 15 || addrs[0].String() != "172.30.64.240" || addrs[14].String() != "172.30.64.254" {
		t.Errorf("addrs: %v", addrs)
	}
	if a := testPool.Addrs(); len(a) != 31 || a[0].String() != "172.30.64.1" {
		t.Errorf("first of %s: %v", testPool.Prefix, a[0])
	}
}

func TestServed(t *testing.T) {
	svc := lbService("a", 0)
	if !Served(svc) {
		t.Error("a LoadBalancer without class must be served")
	}
	svc.Spec.LoadBalancerClass = ptr.To(Class)
	if !Served(svc) {
		t.Error("kubelab's class must be served")
	}
	svc.Spec.LoadBalancerClass = ptr.To("example.com/other")
	if Served(svc) {
		t.Error("a foreign class must be ignored")
	}
	svc = lbService("b", 0)
	svc.Spec.Type = corev1.ServiceTypeNodePort
	if Served(svc) {
		t.Error("a NodePort Service is no LoadBalancer")
	}
}

func TestDecide(t *testing.T) {
	first := lbService("first", 0, "172.30.64.1")
	second := lbService("second", 1, "172.30.64.2")
	claims := testPool.Claims([]*corev1.Service{first, second}, nil)

	cases := []struct {
		name   string
		svc    *corev1.Service
		ip     string
		reason string
	}{
		{"keeps its address", second, "172.30.64.2", ""},
		{"new gets lowest free", lbService("new", 2), "172.30.64.3", ""},
		{"requested free address", func() *corev1.Service { s := lbService("req", 2); s.Spec.LoadBalancerIP = "172.30.64.20"; return s }(), "172.30.64.20", ""},
		{"requested address out of range", func() *corev1.Service { s := lbService("out", 2); s.Spec.LoadBalancerIP = "10.0.0.1"; return s }(), "", ReasonNotInRange},
		{"requested garbage", func() *corev1.Service { s := lbService("bad", 2); s.Spec.LoadBalancerIP = "nope"; return s }(), "", ReasonNotInRange},
		{"requested address in use", func() *corev1.Service { s := lbService("dup", 2); s.Spec.LoadBalancerIP = "172.30.64.1"; return s }(), "", ReasonInUse},
		{"requested address it holds", func() *corev1.Service { s := first.DeepCopy(); s.Spec.LoadBalancerIP = "172.30.64.1"; return s }(), "172.30.64.1", ""},
		{"foreign class", func() *corev1.Service { s := lbService("other", 2); s.Spec.LoadBalancerClass = ptr.To("x/y"); return s }(), "", ""},
	}
	for _, c := range cases {
		d := testPool.Decide(c.svc, claims)
		got := ""
		if d.IP.IsValid() {
			got = d.IP.String()
		}
		if got != c.ip || d.Reason != c.reason {
			t.Errorf("%s: got %q %q, want %q %q", c.name, got, d.Reason, c.ip, c.reason)
		}
		if c.reason != "" && (!d.Warning || d.Message == "") {
			t.Errorf("%s: want a warning with a message, got %+v", c.name, d)
		}
	}
}

func TestClaimsOlderServiceWinsADuplicate(t *testing.T) {
	older, newer := lbService("older", 0, "172.30.64.5"), lbService("newer", 1, "172.30.64.5")
	claims := testPool.Claims([]*corev1.Service{newer, older}, nil)
	if claims[netip.MustParseAddr("172.30.64.5")] != "default/older" {
		t.Errorf("claims: %v", claims)
	}
	if d := testPool.Decide(newer, claims); d.IP.String() != "172.30.64.1" {
		t.Errorf("the newer Service must move to a free address, got %v", d.IP)
	}
	// An assumed (just written) address counts even before the informer shows it.
	fresh := lbService("fresh", 2)
	claims = testPool.Claims([]*corev1.Service{older, fresh}, map[string]netip.Addr{"default/fresh": netip.MustParseAddr("172.30.64.1")})
	if claims[netip.MustParseAddr("172.30.64.1")] != "default/fresh" {
		t.Errorf("assumed address not claimed: %v", claims)
	}
}

func TestDecideExhausted(t *testing.T) {
	var svcs []*corev1.Service
	for i, a := range testPool.Addrs() {
		svcs = append(svcs, lbService(a.String(), i, a.String()))
	}
	d := testPool.Decide(lbService("one-too-many", 100), testPool.Claims(svcs, nil))
	if d.IP.IsValid() || d.Reason != ReasonExhausted || !d.Warning {
		t.Errorf("got %+v", d)
	}
}

func TestStatus(t *testing.T) {
	svc := lbService("a", 0, "172.30.64.1")
	if st := testPool.Status(svc, Decision{IP: netip.MustParseAddr("172.30.64.2")}); len(st.Ingress) != 1 || st.Ingress[0].IP != "172.30.64.2" {
		t.Errorf("status: %+v", st)
	}
	// Type changed to ClusterIP: the pool address goes, anything else stays.
	svc.Spec.Type = corev1.ServiceTypeClusterIP
	svc.Status.LoadBalancer.Ingress = append(svc.Status.LoadBalancer.Ingress, corev1.LoadBalancerIngress{Hostname: "lb.example.com"})
	if st := testPool.Status(svc, Decision{}); len(st.Ingress) != 1 || st.Ingress[0].Hostname != "lb.example.com" {
		t.Errorf("status after type change: %+v", st)
	}
	// Another class's LoadBalancer: untouched, even if an address looks like ours.
	other := lbService("b", 0, "172.30.64.9")
	other.Spec.LoadBalancerClass = ptr.To("x/y")
	if st := testPool.Status(other, Decision{}); !SameIPs(st, other.Status.LoadBalancer) {
		t.Errorf("foreign status changed: %+v", st)
	}
}
