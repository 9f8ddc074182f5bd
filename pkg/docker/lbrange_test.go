package docker

import (
	"net/netip"
	"testing"
)

func TestLoadBalancerArea(t *testing.T) {
	cases := map[string]string{"172.30.0.0/16": "172.30.64.0/18", "192.168.240.0/20": "192.168.244.0/22"}
	for subnet, want := range cases {
		upper := upperHalf(netip.MustParsePrefix(subnet)).String()
		got, err := LoadBalancerArea(Network{Name: "n", Subnet: subnet, IPRange: upper})
		if err != nil || got.String() != want {
			t.Errorf("LoadBalancerArea(%s) = %s, %v; want %s", subnet, got, err, want)
		}
		if nodeArea(netip.MustParsePrefix(subnet)).Overlaps(got) {
			t.Errorf("%s: node and LoadBalancer areas overlap", subnet)
		}
	}
	if _, err := LoadBalancerArea(Network{Name: "n", Subnet: "172.30.0.0/16"}); err == nil {
		t.Error("a network without IPRange must give no LoadBalancer area")
	}
	if _, err := LoadBalancerArea(Network{Name: "n", Subnet: "172.30.0.0/16", IPRange: "172.30.0.0/17"}); err == nil {
		t.Error("an IPRange overlapping the area must give no LoadBalancer area")
	}
}

func TestFreeLoadBalancerBlock(t *testing.T) {
	nw := Network{Name: "n", Subnet: "172.30.0.0/16", IPRange: "172.30.128.0/17"}
	got, err := FreeLoadBalancerBlock(nw, []string{"172.30.64.0/27", "garbage", "172.30.64.64/27"})
	if err != nil || got.String() != "172.30.64.32/27" {
		t.Errorf("got %s, %v", got, err)
	}
	small := Network{Name: "n", Subnet: "192.168.0.0/24", IPRange: "192.168.0.128/25"}
	if got, err := FreeLoadBalancerBlock(small, nil); err != nil || got.String() != "192.168.0.64/27" {
		t.Errorf("small: got %s, %v", got, err)
	}
	if _, err := FreeLoadBalancerBlock(small, []string{"192.168.0.64/27", "192.168.0.96/27"}); err == nil {
		t.Error("a full area must fail")
	}
}
