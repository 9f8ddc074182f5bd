package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// fakeNode is a control plane of cluster "lab" on image kubelab/node:v1.37.2 that
// publishes the API server on address:port.
func fakeNode(name, state string, port int, address string) docker.Node {
	return docker.Node{Name: name, Cluster: "lab", Role: labels.RoleControlPlane, State: state, IP: "172.30.0.2",
		Image: "kubelab/node:v1.37.2", APIPort: port, APIAddress: address}
}

func TestKubectlVersionComesFromTheImageLabel(t *testing.T) {
	f := newFake()
	n := fakeNode("lab-control-plane", "running", 40001, "127.0.0.1")
	n.Image = "kubelab/node:dev" // the tag says nothing of the version
	f.images[n.Image] = "v1.36.1"
	f.nodes[n.Name] = n
	dir := t.TempDir()
	kubectl, kcPath, err := Kubectl(context.Background(), f, "lab", dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "kubectl-v1.36.1", "kubectl"); kubectl != want {
		t.Errorf("kubectl at %s, want %s", kubectl, want)
	}
	info, err := os.Stat(kubectl)
	if err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Fatalf("kubectl not an executable file: %v %v", info, err)
	}
	if data, _ := os.ReadFile(kubectl); string(data) != "kubectl of lab-control-plane" {
		t.Errorf("kubectl holds %q", data)
	}
	if data, err := os.ReadFile(kcPath); err != nil || !strings.Contains(string(data), "https://127.0.0.1:40001") {
		t.Errorf("kubeconfig %s: %v\n%s", kcPath, err, data)
	}
	if _, _, err := Kubectl(context.Background(), f, "lab", dir); err != nil || f.copies != 1 {
		t.Errorf("second call: err %v, %d copies; want the kept kubectl", err, f.copies)
	}
}

func TestKubectlWithoutVersionLabel(t *testing.T) {
	cases := map[string]struct {
		images  map[string]string
		message string
	}{
		"no label":   {map[string]string{"kubelab/node:v1.37.2": ""}, "has no " + labels.KubernetesVersion + " label"},
		"image gone": {map[string]string{}, "no longer in Docker"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			f.images = tc.images
			f.nodes["lab-control-plane"] = fakeNode("lab-control-plane", "running", 40001, "127.0.0.1")
			dir := t.TempDir()
			_, _, err := Kubectl(context.Background(), f, "lab", dir)
			if err == nil || !strings.Contains(err.Error(), tc.message) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want one line saying %q, got %v", tc.message, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 || f.copies != 0 {
				t.Errorf("something was written: %v, %d copies", entries, f.copies)
			}
		})
	}
}
