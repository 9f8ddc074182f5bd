package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

func TestInotifyVerdict(t *testing.T) {
	cp, w := labels.RoleControlPlane, labels.RoleWorker
	// Two 1+1 clusters run (84 with the host's 16): a third fits in 128 only without
	// its worker.
	running := []string{cp, w, cp, w}
	if err := inotifyVerdict(128, running, []string{cp}); err != nil {
		t.Errorf("1 control plane more (126 of 128): %v", err)
	}
	err := inotifyVerdict(128, running, []string{cp, w})
	if err == nil {
		t.Fatal("1+1 more (142 of 128) was let through")
	}
	for _, want := range []string{"allows 128 inotify instances", "4 kubelab nodes running and 2 more need about 142",
		"sudo sysctl -w fs.inotify.max_user_instances=512", "stop or delete clusters"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if err := inotifyVerdict(512, running, []string{cp, w}); err != nil {
		t.Errorf("with 512: %v", err)
	}
	// A limit far below the need gets a suggestion above it.
	many := make([]string, 40)
	for i := range many {
		many[i] = cp
	}
	if err := inotifyVerdict(512, nil, many); err == nil || !strings.Contains(err.Error(), "max_user_instances=2048") {
		t.Errorf("40 control planes (1056) on 512: %v", err)
	}
}

// withInotifyMax points the check at a limit file holding max, for one test.
func withInotifyMax(t *testing.T, max string) {
	path := filepath.Join(t.TempDir(), "max_user_instances")
	if err := os.WriteFile(path, []byte(max+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := inotifyMaxPath
	inotifyMaxPath = path
	t.Cleanup(func() { inotifyMaxPath = old })
}

func TestCreateRefusesWhenInotifyInstancesRunOut(t *testing.T) {
	withInotifyMax(t, "64")
	f := newFake()
	f.kernel = localKernel()
	for _, n := range []docker.Node{
		{Name: "other-control-plane", Role: labels.RoleControlPlane},
		{Name: "other-worker", Role: labels.RoleWorker},
		{Name: "other-external-load-balancer", Role: labels.RoleLoadBalancer},
	} {
		n.Cluster, n.State = "other", "running"
		f.nodes[n.Name] = n
	}
	err := Create(context.Background(), f, ui.Discard(), createOpts(t, "lab"))
	if err == nil || !strings.Contains(err.Error(), "2 kubelab nodes running and 1 more need about 84") {
		t.Fatalf("want the inotify error, got %v", err)
	}
	if len(f.nodes) != 3 || f.network || len(f.volumes) != 0 || len(f.execs) != 0 {
		t.Errorf("something was created: nodes=%v network=%v volumes=%v execs=%v", f.nodes, f.network, f.volumes, f.execs)
	}

	// Stopped clusters hold nothing: the same create goes past the check.
	for name, n := range f.nodes {
		n.State = "exited"
		f.nodes[name] = n
	}
	if err := Create(context.Background(), f, ui.Discard(), createOpts(t, "lab")); err != nil && strings.Contains(err.Error(), "inotify") {
		t.Errorf("refused beside stopped clusters: %v", err)
	}
}

func TestInotifyIsNotCheckedForAnotherKernel(t *testing.T) {
	withInotifyMax(t, "1")
	f := newFake() // its daemon says no kernel release: remote, or in a VM
	if err := checkInotify(context.Background(), f, []string{labels.RoleControlPlane}); err != nil {
		t.Errorf("a remote daemon's nodes were checked against this host's limit: %v", err)
	}
	f.kernel = localKernel() + "-other"
	if err := checkInotify(context.Background(), f, []string{labels.RoleControlPlane}); err != nil {
		t.Errorf("another kernel's nodes were checked against this host's limit: %v", err)
	}
	f.kernel = localKernel()
	if err := checkInotify(context.Background(), f, []string{labels.RoleControlPlane}); err == nil {
		t.Error("a limit of 1 let a control plane through")
	}
}

func TestStartRefusesWhenInotifyInstancesRunOut(t *testing.T) {
	withInotifyMax(t, "64")
	f := newFake()
	f.kernel = localKernel()
	haCluster(f, "exited") // lab: 2 control planes and a worker; other: 1 control plane
	_ = f.setState("other-control-plane", "running")
	_, err := Start(context.Background(), f, ui.Discard(), StartOptions{Name: "lab"})
	if err == nil || !strings.Contains(err.Error(), "1 kubelab nodes running and 3 more need about 110") {
		t.Fatalf("want the inotify error, got %v", err)
	}
	if len(f.starts) != 0 {
		t.Errorf("started %v", f.starts)
	}
}
