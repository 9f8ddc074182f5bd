//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCreateFailsCleanlyWithoutDaemon: no Docker daemon is one clear line, and nothing
// is written.
func TestCreateFailsCleanlyWithoutDaemon(t *testing.T) {
	requireDocker(t) // the real daemon is up; this test points kubelab elsewhere
	kc := tempKubeconfig(t)
	r := kubelab(t, []string{"KUBECONFIG=" + kc, "DOCKER_HOST=unix:///nonexistent/docker.sock"},
		"create", "cluster", "--name", uniqueName("e2e-nodaemon"), "--image", nodeImage)
	if r.err == nil {
		t.Fatal("create succeeded without a daemon")
	}
	assertOneLineError(t, r.stderr, "Docker daemon")
	if _, err := os.Stat(kc); !os.IsNotExist(err) {
		t.Errorf("kubeconfig written although nothing was created: %v", err)
	}
}

// TestCreateFailsCleanlyWithoutImage: a missing node image says how to build it.
func TestCreateFailsCleanlyWithoutImage(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-noimage")
	r := kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--name", name, "--image", "kubelab/node:v0.0.0-missing")
	if r.err == nil {
		t.Fatal("create succeeded without an image")
	}
	assertOneLineError(t, r.stderr, "kubelab build node-image")
	assertNothingLeft(t, api, kc, name)
}

// TestCreateRollsBackOnFailure: a step failing half-way removes what was created. The
// API port is taken on purpose, so starting the node fails after the network and
// volume exist.
func TestCreateRollsBackOnFailure(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-rollback")
	busy, err := listenBusy()
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	r := kubelab(t, []string{"KUBECONFIG=" + kc},
		"create", "cluster", "--name", name, "--image", nodeImage, "--api-server-port", portOf(busy))
	if r.err == nil {
		t.Fatal("create succeeded on a busy port")
	}
	assertNothingLeft(t, api, kc, name)
}

// TestCreateRejectsBadConfig: a config file error names file, line and column, and
// nothing is created.
func TestCreateRejectsBadConfig(t *testing.T) {
	api := requireDocker(t)
	name := uniqueName("e2e-badcfg")
	kc := tempKubeconfig(t)
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("name = \""+name+"\"\n[[nodes]]\nrole = \"control-plane\"\nports = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--config", path, "--image", nodeImage)
	if r.err == nil {
		t.Fatal("a config with an unknown key was accepted")
	}
	assertOneLineError(t, r.stderr, path+":4:1: unknown key \"nodes.ports\"")
	if err := os.WriteFile(path, []byte("name = \""+name+"\"\n[[nodes]]\nrole = \"master\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--config", path, "--image", nodeImage)
	assertOneLineError(t, r.stderr, "nodes[0].role")
	assertNothingLeft(t, api, kc, name)
}
