package cmd

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// run runs kubelab with args against a fake daemon and returns what it printed on
// standard output and standard error.
func run(t *testing.T, f *fakeDaemon, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runWithInput(t, f, "", args...)
}

// runWithInput is run with stdin as kubelab's standard input.
func runWithInput(t *testing.T, f *fakeDaemon, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	saved := dockerProvider
	dockerProvider = func() (daemon, error) { return f, nil }
	t.Cleanup(func() { dockerProvider = saved })
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// twoClusters is a daemon running cluster "lab" (a control plane and a worker) and
// cluster "other" (one control plane).
func twoClusters() *fakeDaemon {
	return &fakeDaemon{nodes: []docker.Node{
		{Name: "lab-control-plane", Cluster: "lab", Role: labels.RoleControlPlane, State: "running", IP: "172.18.0.2", Image: "kubelab/node:v1", APIPort: 40001},
		{Name: "lab-worker", Cluster: "lab", Role: labels.RoleWorker, State: "running", IP: "172.18.0.3", Image: "kubelab/node:v1"},
		{Name: "other-control-plane", Cluster: "other", Role: labels.RoleControlPlane, State: "exited", Image: "kubelab/node:v1", APIPort: 40002},
	}}
}

func TestVersion(t *testing.T) {
	f := &fakeDaemon{}
	out, _, err := run(t, f, "version")
	if err != nil || out != "kubelab "+Version+"\n" {
		t.Errorf("version printed %q, %v", out, err)
	}
	if len(f.calls) != 0 {
		t.Errorf("version called the daemon: %v", f.calls)
	}
}

// A daemon that does not answer stops a command before it does anything.
func TestDaemonNotAnswering(t *testing.T) {
	f := twoClusters()
	f.pingErr = errors.New("cannot connect to the Docker daemon")
	_, _, err := run(t, f, "get", "clusters")
	if !errors.Is(err, f.pingErr) {
		t.Errorf("got %v", err)
	}
	if got := f.called("ListNodes"); got != nil {
		t.Errorf("listed nodes of a daemon that does not answer: %v", got)
	}
}

// -q silences the progress lines, not the results.
func TestQuiet(t *testing.T) {
	kc := t.TempDir() + "/kubeconfig"
	_, stderr, err := run(t, twoClusters(), "delete", "cluster", "--name", "lab", "--kubeconfig", kc)
	if err != nil || !strings.Contains(stderr, `Deleting cluster "lab"`) {
		t.Errorf("without -q: stderr %q, %v", stderr, err)
	}
	f := twoClusters()
	stdout, stderr, err := run(t, f, "-q", "delete", "cluster", "--name", "lab", "--kubeconfig", kc)
	if err != nil || stderr != "" || stdout != "" {
		t.Errorf("with -q: stdout %q, stderr %q, %v", stdout, stderr, err)
	}
	if got := f.called("DeleteNode"); len(got) != 2 {
		t.Errorf("with -q the nodes were not deleted: %v", got)
	}
	stdout, _, err = run(t, twoClusters(), "-q", "ip", "--name", "lab")
	if err != nil || stdout != "172.18.0.2\n" {
		t.Errorf("with -q, ip printed %q, %v", stdout, err)
	}
}
