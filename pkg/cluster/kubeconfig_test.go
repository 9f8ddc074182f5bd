package cluster

import (
	"context"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
)

// The kubeconfig create writes and the one AdminKubeconfig serves later name the API
// server by the address it is published on; a binding on every address is reached on
// 127.0.0.1.
func TestAdminKubeconfigFollowsAPIServerAddress(t *testing.T) {
	cases := []struct {
		name, address, server string
		controlPlanes         int
		san                   string // an extra certSAN the address needs, if any
	}{
		{name: "default", address: "", server: "https://127.0.0.1:40001", controlPlanes: 1},
		{name: "another loopback", address: "127.0.0.2", server: "https://127.0.0.2:40001", controlPlanes: 1, san: "127.0.0.2"},
		{name: "every address", address: "0.0.0.0", server: "https://127.0.0.1:40001", controlPlanes: 1},
		{name: "every IPv6 address", address: "::", server: "https://127.0.0.1:40001", controlPlanes: 1},
		{name: "load balancer", address: "127.0.0.2", server: "https://127.0.0.2:40001", controlPlanes: 2, san: "127.0.0.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			opts := createOpts(t, "lab")
			opts.Config.Nodes = nil
			for range tc.controlPlanes {
				opts.Config.Nodes = append(opts.Config.Nodes, config.Node{Role: labels.RoleControlPlane})
			}
			opts.Config.Networking.APIServerAddress = tc.address
			opts.Config.Networking.APIServerPort = 40001
			opts.Config.SetDefaults()
			c := &creation{p: f, opts: opts, cfg: opts.Config}
			ctx := context.Background()
			for _, step := range []func(context.Context) error{c.preflight, c.startNodes, c.waitForBoot, c.kubeadmInit} {
				if err := step(ctx); err != nil {
					t.Fatal(err)
				}
			}
			name := kubeconfig.ContextName("lab")
			if got := c.kubeconfig.Clusters[name].Server; got != tc.server {
				t.Errorf("create writes server %s, want %s", got, tc.server)
			}
			data, err := AdminKubeconfig(ctx, f, "lab")
			if err != nil {
				t.Fatal(err)
			}
			kc, err := clientcmd.Load(data)
			if err != nil {
				t.Fatal(err)
			}
			if got := kc.Clusters[name].Server; got != tc.server {
				t.Errorf("AdminKubeconfig gives server %s, want %s", got, tc.server)
			}
			if kc.AuthInfos[name] == nil || kc.AuthInfos[name].Token != "fake-admin-token" || kc.CurrentContext != name {
				t.Errorf("admin credentials or context lost: %+v", kc)
			}
			sans := c.kubeadmConfig(c.nodes[0]).CertSANs
			if (tc.san != "") != slices.Contains(sans, tc.san) {
				t.Errorf("certSANs %v, want the extra %q", sans, tc.san)
			}
			if slices.Contains(sans, "0.0.0.0") || slices.Contains(sans, "::") {
				t.Errorf("an unspecified address became a certSAN: %v", sans)
			}
		})
	}
}

func TestAdminKubeconfigNeedsARunningControlPlane(t *testing.T) {
	f := newFake()
	f.nodes["lab-control-plane"] = fakeNode("lab-control-plane", "exited", 40001, "127.0.0.1")
	_, err := AdminKubeconfig(context.Background(), f, "lab")
	if err == nil || !strings.Contains(err.Error(), "kubelab start --name lab") {
		t.Errorf("want a hint to start the cluster, got %v", err)
	}
}

func TestHostAPIAddress(t *testing.T) {
	cases := map[string]string{"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "127.0.0.1",
		"127.0.0.2": "127.0.0.2", "192.168.1.10": "192.168.1.10", "::1": "::1"}
	for in, want := range cases {
		if got := hostAPIAddress(in); got != want {
			t.Errorf("hostAPIAddress(%q) = %q, want %q", in, got, want)
		}
	}
	if got := apiServerURL("::1", 40001); got != "https://[::1]:40001" {
		t.Errorf("IPv6 URL %s", got)
	}
}
