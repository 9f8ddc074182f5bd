package cluster

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/ui"
)

func TestTakenHostPortIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	addr := "127.0.0.1:" + strconv.Itoa(port) + "/tcp"

	opts := createOpts(t, "lab")
	opts.Config.Nodes[0].PortMappings = []config.PortMapping{{ContainerPort: 80, HostPort: port}}
	f := newFake()
	err = Create(context.Background(), f, ui.Discard(), opts)
	if err == nil || !strings.Contains(err.Error(), "host port "+addr+" (nodes[0].port_mappings[0].host_port) is taken") {
		t.Fatalf("a port mapping on a taken port: %v", err)
	}
	if len(f.nodes) != 0 || len(f.volumes) != 0 || f.network {
		t.Errorf("refused create left nodes=%v volumes=%v network=%v", f.nodes, f.volumes, f.network)
	}

	opts = createOpts(t, "lab")
	opts.Config.Networking.APIServerPort = port
	if err := Create(context.Background(), newFake(), ui.Discard(), opts); err == nil || !strings.Contains(err.Error(), "(--api-server-port / networking.api_server_port) is taken") {
		t.Fatalf("the API server on a taken port: %v", err)
	}

	busy.Close()
	opts = createOpts(t, "lab")
	opts.Config.Nodes[0].PortMappings = []config.PortMapping{{ContainerPort: 80, HostPort: port}}
	opts.Config.SetDefaults()
	if err := checkHostPorts(opts.Config); err != nil {
		t.Errorf("a free port refused: %v", err)
	}
}
