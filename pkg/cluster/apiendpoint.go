package cluster

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// freePort asks the kernel for a free TCP port on addr. The port is fixed in the node's
// configuration so that the kubeconfig stays valid across restarts.
func freePort(addr string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", addr, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// hostAPIAddress is the address the host dials to reach an API server published on
// bound (networking.api_server_address at create, the port binding afterwards). A
// binding on every address (0.0.0.0 or ::) is reached on 127.0.0.1, as is an unknown
// one (""): a stopped node made before kubelab kept the address in a label.
func hostAPIAddress(bound string) string {
	a, err := netip.ParseAddr(bound)
	if err != nil || a.IsUnspecified() {
		return "127.0.0.1"
	}
	return a.String()
}

// apiServerURL is the URL the host's kubeconfig gives for an API server published on
// port of address bound. Create and AdminKubeconfig both go through it.
func apiServerURL(bound string, port int) string {
	return "https://" + net.JoinHostPort(hostAPIAddress(bound), strconv.Itoa(port))
}
