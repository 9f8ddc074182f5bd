package docker

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/kubelab/kubelab/pkg/labels"
)

func summary(state string, lbls map[string]string, ports ...container.Port) container.Summary {
	all := map[string]string{labels.Cluster: "lab", labels.Role: labels.RoleControlPlane}
	for k, v := range lbls {
		all[k] = v
	}
	return container.Summary{
		Names: []string{"/lab-control-plane"}, Image: "kubelab/node:v1.37.2", State: state, Labels: all, Ports: ports,
		NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{
			"kubelab": {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: "172.30.0.2"}, IPAddress: "172.30.0.2"},
		}},
	}
}

func TestNodeFromSummaryAPIServerBinding(t *testing.T) {
	apiLabels := map[string]string{labels.APIPort: "40001", labels.APIAddress: "127.0.0.2"}
	cases := map[string]struct {
		ct      container.Summary
		port    int
		address string
	}{
		"running: the binding": {
			ct:   summary("running", apiLabels, container.Port{IP: "127.0.0.2", PrivatePort: 6443, PublicPort: 40001, Type: "tcp"}),
			port: 40001, address: "127.0.0.2",
		},
		"running on every address: the IPv4 entry of the two": {
			ct: summary("running", nil,
				container.Port{IP: "::", PrivatePort: 6443, PublicPort: 40003, Type: "tcp"},
				container.Port{IP: "0.0.0.0", PrivatePort: 6443, PublicPort: 40003, Type: "tcp"}),
			port: 40003, address: "0.0.0.0",
		},
		"stopped: the labels": {
			ct:   summary("exited", apiLabels),
			port: 40001, address: "127.0.0.2",
		},
		"stopped, made before the address label": {
			ct:   summary("exited", map[string]string{labels.APIPort: "40004"}),
			port: 40004, address: "",
		},
		"a worker publishes no API server": {
			ct: summary("running", map[string]string{labels.Role: labels.RoleWorker},
				container.Port{IP: "127.0.0.1", PrivatePort: 80, PublicPort: 8080, Type: "tcp"}),
			port: 0, address: "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, ok := nodeFromSummary(tc.ct)
			if !ok {
				t.Fatal("not read as a node")
			}
			if n.APIPort != tc.port || n.APIAddress != tc.address {
				t.Errorf("API server at %q port %d, want %q port %d", n.APIAddress, n.APIPort, tc.address, tc.port)
			}
			if n.Name != "lab-control-plane" || n.Cluster != "lab" || n.IP != "172.30.0.2" || n.State != tc.ct.State || n.Image != "kubelab/node:v1.37.2" {
				t.Errorf("node %+v", n)
			}
		})
	}
}

func TestNodeFromSummarySkipsTheProbe(t *testing.T) {
	if _, ok := nodeFromSummary(summary("exited", map[string]string{labels.Role: labels.RoleProbe})); ok {
		t.Error("the security probe was read as a node")
	}
}
