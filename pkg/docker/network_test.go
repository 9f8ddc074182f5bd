package docker

import (
	"net/netip"
	"testing"
)

func TestUpperHalf(t *testing.T) {
	cases := map[string]string{"172.30.0.0/16": "172.30.128.0/17", "192.168.240.0/20": "192.168.248.0/21"}
	for in, want := range cases {
		if got := upperHalf(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("upperHalf(%s) = %s, want %s", in, got, want)
		}
	}
}
