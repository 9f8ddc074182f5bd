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

func TestHostPortInDaemonErrors(t *testing.T) {
	for msg, want := range map[string]string{
		"driver failed programming external connectivity on endpoint lab-control-plane (abc): Error starting userland proxy: listen tcp4 127.0.0.1:40001: bind: address already in use": "127.0.0.1:40001",
		"Bind for 0.0.0.0:8080 failed: port is already allocated": "0.0.0.0:8080",
	} {
		if got := hostPortRe.FindString(msg); got != want {
			t.Errorf("found %q in %q, want %q", got, msg, want)
		}
	}
}
