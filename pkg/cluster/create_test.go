package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

func createOpts(t *testing.T, name string) CreateOptions {
	cfg := config.Default()
	cfg.Name = name
	cfg.Image = "kubelab/node:v1.37.2"
	return CreateOptions{Config: cfg, Kubeconfig: t.TempDir() + "/config"}
}

func TestCreateRefusesWithoutCreatingAnything(t *testing.T) {
	cases := map[string]struct {
		setup   func(*fakeProvider, *CreateOptions)
		message string
	}{
		"daemon down": {func(f *fakeProvider, _ *CreateOptions) { f.down = true }, "Docker daemon"},
		"missing image": {func(f *fakeProvider, o *CreateOptions) { o.Config.Image = "kubelab/node:v9.9.9" },
			"kubelab build node-image"},
		"bad name": {func(f *fakeProvider, o *CreateOptions) { o.Config.Name = "Bad_Name" }, "not allowed"},
		"name exists": {func(f *fakeProvider, _ *CreateOptions) {
			f.nodes["lab-control-plane"] = docker.Node{Name: "lab-control-plane", Cluster: "lab", Role: labels.RoleControlPlane}
		}, "already exists"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			opts := createOpts(t, "lab")
			tc.setup(f, &opts)
			before := len(f.nodes)
			err := Create(context.Background(), f, ui.Discard(), opts)
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("want an error mentioning %q, got %v", tc.message, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if len(f.nodes) != before || f.network || len(f.volumes) != 0 || len(f.execs) != 0 {
				t.Errorf("something was created: nodes=%v network=%v volumes=%v execs=%v", f.nodes, f.network, f.volumes, f.execs)
			}
		})
	}
}

func TestExistingClusterIsNotRolledBack(t *testing.T) {
	f := newFake()
	existing := docker.Node{Name: "lab-control-plane", Cluster: "lab", Role: labels.RoleControlPlane}
	f.nodes[existing.Name] = existing
	if err := Create(context.Background(), f, ui.Discard(), createOpts(t, "lab")); err == nil {
		t.Fatal("created a cluster over an existing one")
	}
	if _, ok := f.nodes[existing.Name]; !ok {
		t.Error("the existing cluster's node was deleted by the failed create")
	}
}

func TestFailedStepRollsBack(t *testing.T) {
	f := newFake()
	f.execFail = "kubeadm init"
	err := Create(context.Background(), f, ui.Discard(), createOpts(t, "lab"))
	if err == nil || !strings.Contains(err.Error(), "kubeadm init failed") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("want kubeadm's failure with its output, got %v", err)
	}
	if len(f.nodes) != 0 || len(f.volumes) != 0 || f.network {
		t.Errorf("rollback left nodes=%v volumes=%v network=%v", f.nodes, f.volumes, f.network)
	}
	if cfg := f.files["lab-control-plane:"+kubeadmConfigPath]; !strings.Contains(string(cfg), "kind: InitConfiguration") {
		t.Errorf("kubeadm config not written before init:\n%s", cfg)
	}
}

func TestFailedNodeCreateRollsBackItsVolume(t *testing.T) {
	f := newFake()
	f.createErr = errors.New("daemon said no")
	err := Create(context.Background(), f, ui.Discard(), createOpts(t, "lab"))
	if err == nil || !strings.Contains(err.Error(), "daemon said no") {
		t.Fatalf("want the daemon's error, got %v", err)
	}
	if len(f.volumes) != 0 || len(f.nodes) != 0 || f.network {
		t.Errorf("left behind: volumes=%v nodes=%v network=%v", f.volumes, f.nodes, f.network)
	}
}

func TestRetainKeepsNodes(t *testing.T) {
	f := newFake()
	f.execFail = "kubeadm init"
	opts := createOpts(t, "lab")
	opts.Retain = true
	if err := Create(context.Background(), f, ui.Discard(), opts); err == nil {
		t.Fatal("no error")
	}
	if _, ok := f.nodes["lab-control-plane"]; !ok {
		t.Error("--retain did not keep the node")
	}
	// What kubeadm printed stays in the kept node for `kubelab export logs`.
	if log := string(f.files["lab-control-plane:"+kubeadmLogPath]); !strings.HasPrefix(log, "$ kubeadm init --config=") || !strings.Contains(log, "boom") {
		t.Errorf("kubeadm's output not kept in the node: %q", log)
	}
}

// An HA cluster: nodes and the load balancer are created, the load balancer fronts every
// control plane, and kubeadm init uploads the certificates joining control planes need.
func TestHAClusterPlansLoadBalancer(t *testing.T) {
	f := newFake()
	opts := createOpts(t, "ha")
	cp, w := config.Node{Role: labels.RoleControlPlane}, config.Node{Role: labels.RoleWorker}
	opts.Config.Nodes = []config.Node{w, cp, cp, cp}
	c := &creation{p: f, opts: opts, cfg: opts.Config}
	ctx := context.Background()
	for _, step := range []func(context.Context) error{c.preflight, c.startNodes} {
		if err := step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c.nodes[0].name != "ha-control-plane" || c.nodes[3].name != "ha-worker" {
		t.Errorf("control planes must come first: %v", c.nodes)
	}
	want := []string{"ha-control-plane:6443", "ha-control-plane2:6443", "ha-control-plane3:6443"}
	if fmt.Sprint(f.lbBackends) != fmt.Sprint(want) {
		t.Errorf("load balancer backends %v, want %v", f.lbBackends, want)
	}
	if len(f.nodes) != 5 {
		t.Errorf("want 4 nodes and a load balancer, got %v", f.nodes)
	}
	kc := c.kubeadmConfig(c.nodes[1])
	if kc.ControlPlaneEndpoint != "ha-external-load-balancer:6443" || len(kc.CertificateKey) != 64 || kc.Schedulable {
		t.Errorf("kubeadm config for a joining control plane: %+v", kc)
	}
	ips := map[string]bool{}
	for _, n := range f.nodes {
		if ips[n.IP] {
			t.Errorf("address %s given twice", n.IP)
		}
		ips[n.IP] = true
	}
}
