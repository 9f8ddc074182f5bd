package cluster

import (
	"fmt"
	"net"
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
