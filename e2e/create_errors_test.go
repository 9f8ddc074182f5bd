//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/kubelab/kubelab/pkg/cluster"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	assertCreateRefused(t, api, kc, name, "kubelab build node-image", "--name", name, "--image", "kubelab/node:v0.0.0-missing")
}

// TestCreateRollsBackOnFailure: a step failing half-way removes what was created. The
// node's extra mount names a host directory that does not exist, which only Docker
// finds out, when it creates the container: the network and the node's volume exist by
// then.
func TestCreateRollsBackOnFailure(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-rollback")
	missing := filepath.Join(t.TempDir(), "missing")
	path := writeLabConfig(t, "name = \""+name+"\"\n[[nodes]]\nrole = \"control-plane\"\n[[nodes.extra_mounts]]\nhost_path = \""+missing+"\"\ncontainer_path = \"/data\"\n")
	assertCreateRefused(t, api, kc, name, missing, "--config", path, "--image", nodeImage)
}

// TestCreateRefusesTakenHostPort: a host port the configuration names (the API
// server's, a port mapping's) that another program holds is one line naming the port
// and the setting, before anything is created.
func TestCreateRefusesTakenHostPort(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-port")
	busy, err := listenBusy()
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	assertCreateRefused(t, api, kc, name, "host port 127.0.0.1:"+portOf(busy)+"/tcp (--api-server-port / networking.api_server_port) is taken by another program",
		"--name", name, "--image", nodeImage, "--api-server-port", portOf(busy))
	path := writeLabConfig(t, "name = \""+name+"\"\n[[nodes]]\nrole = \"control-plane\"\n[[nodes.port_mappings]]\ncontainer_port = 80\nhost_port = "+portOf(busy)+"\n")
	assertCreateRefused(t, api, kc, name, "(nodes[0].port_mappings[0].host_port) is taken by another program", "--config", path, "--image", nodeImage)
}

// TestCreateRefusesBusyRegistryPort: a [registry] host port another program holds is one
// line naming the port and the setting to change; the create stops before any node, and
// neither the registry's container nor its volume is left.
func TestCreateRefusesBusyRegistryPort(t *testing.T) {
	api := requireDocker(t)
	ctx := context.Background()
	if _, err := api.ContainerInspect(ctx, cluster.RegistryName); err == nil {
		// One registry per host: with one running, the error would be about its port.
		t.Fatalf("a registry %s exists already: this test needs the host without one (kubelab registry delete)", cluster.RegistryName)
	}
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-regport")
	busy, err := listenBusy()
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	path := writeLabConfig(t, "name = \""+name+"\"\n[registry]\nhost_port = "+portOf(busy)+"\n")
	assertCreateRefused(t, api, kc, name, "the local registry's host port "+portOf(busy)+" is in use: choose another with [registry] host_port",
		"--config", path, "--image", nodeImage)
	if _, err := api.ContainerInspect(ctx, cluster.RegistryName); err == nil {
		t.Errorf("container %s left", cluster.RegistryName)
	}
	if _, err := api.VolumeInspect(ctx, cluster.RegistryVolume); err == nil {
		t.Errorf("volume %s left", cluster.RegistryVolume)
	}
}

// TestCreateRejectsBadNames: a name too long for the node names built from it, and one
// that is not a DNS label, are one line each, before anything is created.
func TestCreateRejectsBadNames(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	for name, want := range map[string]string{
		"e2e-" + strings.Repeat("x", 40): "is too long: at most 40 characters",
		"Lab_1":                          "is not allowed: use lowercase letters, digits and '-'",
		"lab-":                           "is not allowed",
	} {
		assertCreateRefused(t, api, kc, name, want, "--name", name, "--image", nodeImage)
	}
}

// TestCreateRefusesNodeImageOfAnotherVersion: a node image of a Kubernetes version
// kubelab cannot bootstrap (here: the node image relabelled v1.30.0) is refused in one
// line saying how to build a good one, before anything is created.
func TestCreateRefusesNodeImageOfAnotherVersion(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-oldimg")
	ref := "kubelab-e2e/node:v1.30.0-" + name
	buildImage(t, api, ref, "FROM "+nodeImage+"\nLABEL io.kubelab.kubernetes-version=v1.30.0\n")
	t.Cleanup(func() { _, _ = api.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })
	assertCreateRefused(t, api, kc, name, "is Kubernetes v1.30.0, but this kubelab creates v1.31 to v1.37 clusters: build one with `kubelab build node-image",
		"--name", name, "--image", ref)
}

// assertNameInUseRefused: a create naming an existing cluster c is one line saying how
// to delete it or which flag to change, and leaves c as it was (its context too).
// TestStopStart calls it on its cluster, rather than the suite creating one more.
func assertNameInUseRefused(t *testing.T, c *testCluster) {
	t.Helper()
	r := kubelab(t, c.env, "create", "cluster", "--name", c.name, "--image", nodeImage)
	if r.err == nil {
		t.Fatal("a second create of the same name succeeded")
	}
	assertOneLineError(t, r.stderr, "cluster \""+c.name+"\" already exists: delete it with `kubelab delete cluster --name "+c.name+"` or choose another --name")
	if _, err := c.cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Errorf("the existing cluster stopped answering: %v", err)
	}
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
	assertCreateRefused(t, api, kc, name, path+":4:1: unknown key \"nodes.ports\"", "--config", path, "--image", nodeImage)
	if err := os.WriteFile(path, []byte("name = \""+name+"\"\n[[nodes]]\nrole = \"master\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertCreateRefused(t, api, kc, name, "nodes[0].role", "--config", path, "--image", nodeImage)
}

// TestCreateFailsCleanlyOnFullDisk: the disk filling up during a create is one line
// saying so and what to do, and the create rolls back. The full disk is a 1 MiB tmpfs
// holding the kubeconfig, filled before the create: kubelab finds out late, when it
// writes the context after kubeadm init, so everything made by then must be removed.
func TestCreateFailsCleanlyOnFullDisk(t *testing.T) {
	api := requireDocker(t)
	requireRoot(t, "mounting a small tmpfs")
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700"); err != nil {
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, 0) })
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the tmpfs: %v", err)
			}
			break
		}
	}
	filler.Close()

	kc := filepath.Join(dir, "kubeconfig")
	name := uniqueName("e2e-full")
	assertCreateRefused(t, api, kc, name, "no space left on device: the disk is full: free some space",
		"--config", writeBareConfig(t, name), "--image", nodeImage)
}

// TestCreateRefusesWhenInotifyInstancesRunOut: with the kernel's inotify instances per
// user too few for one more node, the create refuses at once, in one line that says what
// to run, instead of failing minutes later on a kubelet that cannot start. The test
// lowers fs.inotify.max_user_instances to 20 for the second the create takes (root only),
// and puts it back.
func TestCreateRefusesWhenInotifyInstancesRunOut(t *testing.T) {
	api := requireDocker(t)
	requireRoot(t, "changing fs.inotify.max_user_instances")
	const limit = "/proc/sys/fs/inotify/max_user_instances"
	old, err := os.ReadFile(limit)
	if err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := os.WriteFile(limit, old, 0o644); err != nil {
			t.Errorf("put back %s=%s: %v", limit, strings.TrimSpace(string(old)), err)
		}
	}
	t.Cleanup(restore)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-inotify")
	if err := os.WriteFile(limit, []byte("20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := assertCreateRefused(t, api, kc, name, "the kernel allows 20 inotify instances per user (fs.inotify.max_user_instances)",
		"--config", writeBareConfig(t, name), "--image", nodeImage)
	restore()
	assertOneLineError(t, r.stderr, "sudo sysctl -w fs.inotify.max_user_instances=512")
}

// assertCreateRefused runs `kubelab create cluster args...` with the kubeconfig kc and
// checks that it fails with one ERROR line containing want, leaving nothing of cluster
// name behind (containers, network, volumes, kubeconfig entries).
func assertCreateRefused(t *testing.T, api *client.Client, kc, name, want string, args ...string) result {
	t.Helper()
	r := kubelab(t, []string{"KUBECONFIG=" + kc}, append([]string{"create", "cluster"}, args...)...)
	if r.err == nil {
		t.Errorf("create %s succeeded; want it refused with %q", strings.Join(args, " "), want)
	}
	assertOneLineError(t, r.stderr, want)
	assertNothingLeft(t, api, kc, name)
	return r
}

// requireRoot skips a test that needs root (what says for what) outside CI, and fails it
// in CI, which runs as root.
func requireRoot(t *testing.T, what string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(what + " needs root, and CI runs as root")
	}
	t.Skip(what + " needs root")
}
