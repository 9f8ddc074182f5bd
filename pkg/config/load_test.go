package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/labels"
)

const full = `
name = "lab"
image = "kubelab/node:v1.37.2"
kubeadm_config_patches = ["""
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 50
"""]

[networking]
pod_subnet = "10.200.0.0/16"
service_subnet = "10.100.0.0/16"
dns_domain = "lab.local"
api_server_port = 6443

[[nodes]]
role = "control-plane"
labels = { tier = "frontend", "example.com/team" = "a" }

[[nodes.port_mappings]]
container_port = 30080
host_port = 8080

[[nodes.extra_mounts]]
host_path = "/srv/data"
container_path = "/data"
read_only = true

[addons]
ingress = false
metrics-server = true

[[nodes]]
role = "worker"
`

func TestDecodeFullFile(t *testing.T) {
	c, err := Decode([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Name != "lab" || len(c.Nodes) != 2 || c.Nodes[1].Role != labels.RoleWorker {
		t.Errorf("decoded %+v", c)
	}
	n := c.Nodes[0]
	if n.Labels["example.com/team"] != "a" || n.ExtraMounts[0].ContainerPath != "/data" || !n.ExtraMounts[0].ReadOnly {
		t.Errorf("node %+v", n)
	}
	pm := n.PortMappings[0]
	if pm.ContainerPort != 30080 || pm.HostPort != 8080 || pm.ListenAddress != "127.0.0.1" || pm.Protocol != "tcp" {
		t.Errorf("port mapping defaults: %+v", pm)
	}
	if c.Networking.DNSDomain != "lab.local" || c.Networking.APIServerAddress != "127.0.0.1" {
		t.Errorf("networking %+v", c.Networking)
	}
	if c.Addons.Enabled("ingress") || !c.Addons.Enabled("metrics-server") || !c.Addons.Enabled("storage") || c.Addons.Enabled("bogus") {
		t.Errorf("addons %+v", c.Addons)
	}
	if !strings.Contains(c.KubeadmConfigPatches[0], "maxPods: 50") {
		t.Errorf("patches %q", c.KubeadmConfigPatches)
	}
}

func TestDecodeErrorsGiveLineAndColumn(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"name = \"lab\"\nnmae = \"x\"\n", `2:1: unknown key "nmae"`},
		{"[networking]\npod_subnett = \"x\"\n", `2:1: unknown key "networking.pod_subnett"`},
		{"[[nodes]]\nrole = \"worker\"\nport = 1\n", `3:1: unknown key "nodes.port"`},
		{"[networking]\napi_server_port = \"6443\"\n", "2:"},
		{"name = \n", "1:"},
		{"[addons]\ningress = \"yes\"\n", "2:11: "},
		{"addons = 3\n", "1:10: "},
	}
	for _, tc := range cases {
		_, err := Decode([]byte(tc.doc))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: want an error starting %q, got %v", tc.doc, tc.want, err)
		}
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lab.toml")
	if err := os.WriteFile(path, []byte("name = \"lab\"\nbogus = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2:1: unknown key") {
		t.Errorf("got %v", err)
	}
	c, err := Load("-", strings.NewReader("name = \"from-stdin\"\n"))
	if err != nil || c.Name != "from-stdin" {
		t.Errorf("stdin: %v %+v", err, c)
	}
	if _, err := Load("-", strings.NewReader("[[nodes]\n")); err == nil || !strings.HasPrefix(err.Error(), "<stdin>:1:") {
		t.Errorf("stdin syntax error: %v", err)
	}
}

func TestValidateNodeFields(t *testing.T) {
	cases := []struct {
		node  Node
		field string
	}{
		{Node{Role: labels.RoleControlPlane, PortMappings: []PortMapping{{ContainerPort: 0}}}, "nodes[0].port_mappings[0].container_port"},
		{Node{Role: labels.RoleControlPlane, PortMappings: []PortMapping{{ContainerPort: 80, HostPort: 70000}}}, "nodes[0].port_mappings[0].host_port"},
		{Node{Role: labels.RoleControlPlane, PortMappings: []PortMapping{{ContainerPort: 80, Protocol: "icmp"}}}, "nodes[0].port_mappings[0].protocol"},
		{Node{Role: labels.RoleControlPlane, PortMappings: []PortMapping{{ContainerPort: 80, ListenAddress: "here"}}}, "nodes[0].port_mappings[0].listen_address"},
		{Node{Role: labels.RoleControlPlane, ExtraMounts: []Mount{{HostPath: "rel", ContainerPath: "/x"}}}, "nodes[0].extra_mounts[0].host_path"},
		{Node{Role: labels.RoleControlPlane, Labels: map[string]string{"bad key!": "x"}}, "nodes[0].labels"},
		{Node{Role: labels.RoleControlPlane, Labels: map[string]string{"ok": "bad value!"}}, "nodes[0].labels.ok"},
	}
	for _, tc := range cases {
		c := Default()
		c.Nodes = []Node{tc.node}
		c.SetDefaults()
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("want an error starting %q, got %v", tc.field, err)
		}
	}
}
