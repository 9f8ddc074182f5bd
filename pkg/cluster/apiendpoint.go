package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/kubelab/kubelab/pkg/config"
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

// checkHostPorts refuses, before anything is created, a host port the configuration
// names (the API server's, a node's port_mappings) that another program already holds:
// Docker would only fail once the nodes exist, with a message that names no setting.
// Ports 0 (free ones, chosen later) and errors other than "in use" are left to Docker.
func checkHostPorts(cfg *config.Cluster) error {
	type want struct{ proto, addr, setting string }
	var wants []want
	if p := cfg.Networking.APIServerPort; p != 0 {
		wants = append(wants, want{"tcp", net.JoinHostPort(cfg.Networking.APIServerAddress, strconv.Itoa(p)),
			"--api-server-port / networking.api_server_port"})
	}
	for i, n := range cfg.Nodes {
		for j, m := range n.PortMappings {
			if m.HostPort == 0 || (m.Protocol != "" && m.Protocol != "tcp" && m.Protocol != "udp") {
				continue
			}
			addr := m.ListenAddress
			if addr == "" {
				addr = "127.0.0.1"
			}
			proto := m.Protocol
			if proto == "" {
				proto = "tcp"
			}
			wants = append(wants, want{proto, net.JoinHostPort(addr, strconv.Itoa(m.HostPort)),
				fmt.Sprintf("nodes[%d].port_mappings[%d].host_port", i, j)})
		}
	}
	for _, w := range wants {
		var err error
		if w.proto == "udp" {
			var c net.PacketConn
			if c, err = net.ListenPacket("udp", w.addr); err == nil {
				c.Close()
			}
		} else {
			var l net.Listener
			if l, err = net.Listen("tcp", w.addr); err == nil {
				l.Close()
			}
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("host port %s/%s (%s) is taken by another program: stop that program or choose another port", w.addr, w.proto, w.setting)
		}
	}
	return nil
}
