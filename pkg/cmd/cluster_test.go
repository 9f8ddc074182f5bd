package cmd

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/cluster"
)

func TestGetClustersJSON(t *testing.T) {
	f := twoClusters()
	out, _, err := run(t, f, "get", "clusters", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got []cluster.Info
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := []cluster.Info{
		{Name: "lab", State: cluster.StateRunning, Nodes: f.nodes[:2]},
		{Name: "other", State: cluster.StateStopped, Nodes: f.nodes[2:]},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestGetClusters(t *testing.T) {
	out, stderr, err := run(t, twoClusters(), "get", "clusters")
	if err != nil || out != "NAME    STATE     NODES\nlab     running   2\nother   stopped   1\n" || stderr != "" {
		t.Errorf("got stdout %q, stderr %q, %v", out, stderr, err)
	}
	out, stderr, err = run(t, &fakeDaemon{}, "get", "clusters")
	if err != nil || out != "" || stderr != "No kubelab clusters.\n" {
		t.Errorf("no clusters: stdout %q, stderr %q, %v", out, stderr, err)
	}
}

func TestGetNodes(t *testing.T) {
	out, _, err := run(t, twoClusters(), "get", "nodes", "--name", "lab")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Fields(lines[0])[0] != "NAME" ||
		!slices.Equal(strings.Fields(lines[2]), []string{"lab-worker", "worker", "running", "172.18.0.3"}) {
		t.Errorf("got\n%s", out)
	}
	if _, _, err := run(t, twoClusters(), "get", "nodes", "--name", "gone"); !errors.Is(err, cluster.ErrNotFound) {
		t.Errorf("missing cluster: %v", err)
	}
}

func TestIP(t *testing.T) {
	cases := []struct {
		args []string
		out  string
		err  string
	}{
		{args: []string{"--name", "lab"}, out: "172.18.0.2\n"},
		{args: []string{"--name", "lab", "--node", "lab-worker"}, out: "172.18.0.3\n"},
		{args: []string{"--name", "lab", "--node", "lab-worker9"}, err: `cluster lab has no node "lab-worker9"; its nodes: lab-control-plane, lab-worker`},
		{args: []string{"--name", "other"}, err: "node other-control-plane has no address (is it running?)"},
		{args: []string{"--name", "gone"}, err: "cluster not found: gone"},
	}
	for _, tc := range cases {
		out, _, err := run(t, twoClusters(), append([]string{"ip"}, tc.args...)...)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || out != "" {
				t.Errorf("ip %v: want error %q, got %v (printed %q)", tc.args, tc.err, err, out)
			}
			continue
		}
		if err != nil || out != tc.out {
			t.Errorf("ip %v: got %q, %v; want %q", tc.args, out, err, tc.out)
		}
	}
}

// Deleting a cluster that does not exist is no error, says so, and removes nothing.
func TestDeleteMissingCluster(t *testing.T) {
	f := twoClusters()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	_, stderr, err := run(t, f, "delete", "cluster", "--name", "gone", "--kubeconfig", kc)
	if err != nil || !strings.Contains(stderr, `There is no cluster named "gone" (nothing to delete).`) {
		t.Errorf("stderr %q, %v", stderr, err)
	}
	if got := f.called("DeleteNode"); got != nil {
		t.Errorf("deleted %v", got)
	}
}

func TestDeleteCluster(t *testing.T) {
	f := twoClusters()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if _, _, err := run(t, f, "delete", "cluster", "--name", "lab", "--kubeconfig", kc); err != nil {
		t.Fatal(err)
	}
	if got, want := f.called("DeleteNode"), []string{"DeleteNode lab-control-plane", "DeleteNode lab-worker"}; !slices.Equal(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
}

// A configuration that does not decode or is not valid stops create before the daemon is
// used.
func TestCreateWithBadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.toml", "name = \"lab\"\nworkers = 2\n")
	badAddon := write("addon.toml", "name = \"lab\"\n\n[addons]\nregistry = true\n")
	invalid := write("invalid.toml", "name = \"Lab\"\n")
	cases := []struct {
		args  []string
		stdin string
		err   string
	}{
		{[]string{"--config", "-"}, "[[nodes]]\nrole = \"master\"\n", `nodes[0].role: "master" is not a role`},
		{[]string{"--config", "-"}, "[addons]\ningress = \"no\"\n", "<stdin>:2:11: "},
		{[]string{"--config", bad}, "", bad + `:2:1: unknown key "workers"`},
		{[]string{"--config", badAddon}, "", badAddon + `:4:1: unknown add-on "registry" (known: dashboard, ingress, metrics-server, network-policy, storage)`},
		{[]string{"--config", invalid}, "", `cluster name "Lab" is not allowed`},
		{[]string{"--config", filepath.Join(dir, "missing.toml")}, "", "read config: "},
		{[]string{"--config", bad, "--workers", "3"}, "", bad + `:2:1: unknown key "workers"`},
		{[]string{"--control-planes", "0"}, "", "--control-planes must be at least 1 and --workers at least 0"},
	}
	for _, tc := range cases {
		f := &fakeDaemon{}
		_, _, err := runWithInput(t, f, tc.stdin, append([]string{"create", "cluster", "--wait", "0"}, tc.args...)...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
			t.Errorf("create %v: want an error starting %q, got %v", tc.args, tc.err, err)
		}
		if len(f.calls) != 0 {
			t.Errorf("create %v: called the daemon: %v", tc.args, f.calls)
		}
	}
}

// Flags and the configuration file reach the library: the image and name checked are the
// flag's over the file's, and an existing cluster stops create before anything is made.
func TestCreateUsesFlagsOverFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lab.toml")
	if err := os.WriteFile(path, []byte("name = \"from-file\"\nimage = \"kubelab/node:file\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := twoClusters()
	f.images = map[string]string{"kubelab/node:file": "v1.37.2", "kubelab/node:flag": "v1.37.2"}
	_, _, err := run(t, f, "create", "cluster", "--config", path, "--name", "lab", "--image", "kubelab/node:flag")
	if err == nil || !strings.HasPrefix(err.Error(), `cluster "lab" already exists`) {
		t.Errorf("got %v", err)
	}
	if got, want := f.called("ImageLabel"), []string{"ImageLabel kubelab/node:flag"}; !slices.Equal(got, want) {
		t.Errorf("image checked: %v, want %v", got, want)
	}
	if got, want := f.called("ListNodes"), []string{"ListNodes lab"}; !slices.Equal(got, want) {
		t.Errorf("nodes listed: %v, want %v", got, want)
	}
	if got := f.called("Create"); got != nil {
		t.Errorf("created %v", got)
	}

	f = &fakeDaemon{}
	_, _, err = run(t, f, "create", "cluster", "--config", path)
	if err == nil || !strings.Contains(err.Error(), "node image kubelab/node:file not found") {
		t.Errorf("file's image: got %v", err)
	}
}
