package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/defaults"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

// haCluster puts the containers of a 2+1 cluster "lab" and its load balancer in f, in
// the given state, and an unrelated cluster's node.
func haCluster(f *fakeProvider, state string) {
	for _, n := range []docker.Node{
		{Name: "lab-control-plane", Role: labels.RoleControlPlane},
		{Name: "lab-control-plane2", Role: labels.RoleControlPlane},
		{Name: "lab-worker", Role: labels.RoleWorker},
		{Name: "lab-external-load-balancer", Role: labels.RoleLoadBalancer, APIPort: 40001, APIAddress: "127.0.0.1"},
	} {
		n.Cluster, n.State = "lab", state
		f.nodes[n.Name] = n
		if n.Role != labels.RoleLoadBalancer {
			f.volumes[docker.VolumeName(n.Name)] = true
		}
	}
	f.nodes["other-control-plane"] = docker.Node{Name: "other-control-plane", Cluster: "other", Role: labels.RoleControlPlane, State: state}
}

func TestStopStopsWorkersThenControlPlanesThenTheLoadBalancer(t *testing.T) {
	f := newFake()
	haCluster(f, "running")
	wasRunning, err := Stop(context.Background(), f, ui.Discard(), "lab")
	if err != nil || !wasRunning {
		t.Fatalf("stop: %v, wasRunning %v", err, wasRunning)
	}
	if len(f.stops) != 4 || f.stops[0] != "lab-worker" || f.stops[3] != "lab-external-load-balancer" {
		t.Errorf("stopped in the order %v", f.stops)
	}
	for name, n := range f.nodes {
		if want := map[bool]string{true: "exited", false: "running"}[n.Cluster == "lab"]; n.State != want {
			t.Errorf("%s is %s, want %s", name, n.State, want)
		}
	}
	if len(f.volumes) != 3 {
		t.Errorf("stop touched the volumes: %v", f.volumes)
	}
	// Stopping it again changes nothing and says so.
	f.stops = nil
	wasRunning, err = Stop(context.Background(), f, ui.Discard(), "lab")
	if err != nil || wasRunning || len(f.stops) != 0 {
		t.Errorf("second stop: %v, wasRunning %v, stops %v", err, wasRunning, f.stops)
	}
}

func TestStopAndStartOfAMissingCluster(t *testing.T) {
	f := newFake()
	if _, err := Stop(context.Background(), f, ui.Discard(), "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("stop: %v", err)
	}
	if _, err := Start(context.Background(), f, ui.Discard(), StartOptions{Name: "gone"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("start: %v", err)
	}
}

func TestStartStartsTheLoadBalancerAndControlPlanesFirstAndWaitsForBoot(t *testing.T) {
	f := newFake()
	haCluster(f, "exited")
	wasStopped, err := Start(context.Background(), f, ui.Discard(), StartOptions{Name: "lab"})
	if err != nil || !wasStopped {
		t.Fatalf("start: %v, wasStopped %v", err, wasStopped)
	}
	if len(f.starts) != 4 || f.starts[0] != "lab-external-load-balancer" || f.starts[3] != "lab-worker" {
		t.Errorf("started in the order %v", f.starts)
	}
	if f.nodes["other-control-plane"].State != "exited" {
		t.Error("start touched another cluster")
	}
	for _, n := range []string{"lab-control-plane", "lab-control-plane2", "lab-worker"} {
		if !slices.Contains(f.execs, n+": systemctl is-system-running --wait") {
			t.Errorf("no boot wait on %s: %v", n, f.execs)
		}
	}
	// Starting it again changes nothing and says so.
	f.starts = nil
	wasStopped, err = Start(context.Background(), f, ui.Discard(), StartOptions{Name: "lab"})
	if err != nil || wasStopped || len(f.starts) != 0 {
		t.Errorf("second start: %v, wasStopped %v, starts %v", err, wasStopped, f.starts)
	}
}

func TestStartOfADegradedClusterStartsOnlyWhatIsStopped(t *testing.T) {
	f := newFake()
	haCluster(f, "running")
	_ = f.setState("lab-worker", "exited")
	if _, err := Start(context.Background(), f, ui.Discard(), StartOptions{Name: "lab"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.starts, []string{"lab-worker"}) {
		t.Errorf("started %v", f.starts)
	}
}

func TestClusterState(t *testing.T) {
	f := newFake()
	haCluster(f, "running")
	_ = f.setState("lab-worker", "exited")
	list, err := List(context.Background(), f)
	if err != nil || len(list) != 2 || list[0].State != StateDegraded || list[1].State != StateRunning {
		t.Errorf("list: %+v, %v", list, err)
	}
}

func TestDeleteRemovesStoppedClustersAndOrphanVolumes(t *testing.T) {
	// `kubelab kubectl` kept the cluster's admin kubeconfig in the cache directory.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	kept := kubectlKubeconfig(defaults.CacheDir(), "lab")
	if err := os.MkdirAll(filepath.Dir(kept), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kept, []byte("admin"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	haCluster(f, "exited")
	// A create killed between making a node's volume and its container.
	f.volumes["half-control-plane-var"] = true
	if err := Delete(context.Background(), f, "half", t.TempDir()+"/config"); err != nil {
		t.Fatalf("delete of a half-created cluster: %v", err)
	}
	if f.volumes["half-control-plane-var"] {
		t.Error("the orphan volume was kept")
	}
	names, err := DeleteAll(context.Background(), f, t.TempDir()+"/config")
	if err != nil || !slices.Equal(names, []string{"lab", "other"}) {
		t.Errorf("delete --all: %v, %v", names, err)
	}
	if len(f.nodes) != 0 || len(f.volumes) != 0 || f.locked == 0 {
		t.Errorf("left nodes %v, volumes %v (network locked %d times)", f.nodes, f.volumes, f.locked)
	}
	if _, err := os.Stat(kept); !os.IsNotExist(err) {
		t.Errorf("the admin kubeconfig of kubelab kubectl was kept: %v", err)
	}
}

func TestInterruptedCreateRollsBack(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onExec = func(line string) {
		if strings.HasPrefix(line, "kubeadm init") {
			cancel() // as Ctrl-C does, through signal.NotifyContext
		}
	}
	err := Create(ctx, f, ui.Discard(), createOpts(t, "lab"))
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("want an interrupted create, got %v", err)
	}
	if len(f.nodes) != 0 || len(f.volumes) != 0 || f.network {
		t.Errorf("rollback left nodes=%v volumes=%v network=%v", f.nodes, f.volumes, f.network)
	}
}

func TestCreateHoldsTheNetworkLock(t *testing.T) {
	f := newFake()
	f.execFail = "kubeadm init"
	_ = Create(context.Background(), f, ui.Discard(), createOpts(t, "lab"))
	if f.locked != 2 { // the create's nodes, then the rollback's network removal
		t.Errorf("network locked %d times, want 2", f.locked)
	}
}

func TestPodFreshAfterARestart(t *testing.T) {
	since := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	pod := func(node string, started time.Time) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}}}}}
	}
	restarted := map[string]time.Time{"a": since}
	if podFresh(pod("a", since.Add(-time.Minute)), restarted) {
		t.Error("a container that ran before the restart counts as fresh")
	}
	if !podFresh(pod("a", since), restarted) || !podFresh(pod("b", since.Add(-time.Hour)), restarted) {
		t.Error("fresh pods, or pods of a node not restarted, do not count")
	}
}

func TestPublishWarnings(t *testing.T) {
	n := docker.Node{Name: "lab-control-plane", APIPort: 6443, APIAddress: "0.0.0.0",
		Published: []string{"0.0.0.0:6443->6443/tcp", "127.0.0.1:8080->80/tcp", "0.0.0.0:30080->30080/tcp"}}
	w := publishWarnings(n)
	if len(w) != 2 || !strings.Contains(w[0], "api_server_address") || !strings.Contains(w[1], "30080") {
		t.Errorf("warnings: %q", w)
	}
	n.APIAddress, n.Published = "127.0.0.1", []string{"127.0.0.1:6443->6443/tcp"}
	if w := publishWarnings(n); len(w) != 0 {
		t.Errorf("warnings for loopback-only ports: %q", w)
	}
}

func TestExportLogs(t *testing.T) {
	f := newFake()
	haCluster(f, "running")
	dir := t.TempDir()
	// The fake has no /var/log/pods to copy: that error is reported, the rest written.
	err := ExportLogs(context.Background(), f, "lab", dir)
	if err == nil || !strings.Contains(err.Error(), "/var/log/pods") {
		t.Errorf("want the missing pod logs reported, got %v", err)
	}
	for _, file := range []string{"lab-worker/docker-inspect.json", "lab-worker/kubelet.log", "lab-external-load-balancer/docker-inspect.json", "status.json"} {
		if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
			t.Errorf("%s not written: %v", file, err)
		}
	}
	if !slices.Contains(f.execs, "lab-worker: journalctl --no-pager --boot=all -u kubelet") {
		t.Errorf("kubelet's log not asked for: %v", f.execs)
	}
	if _, err := os.Stat(filepath.Join(dir, "lab-external-load-balancer", "kubelet.log")); err == nil {
		t.Error("the load balancer has no kubelet")
	}
}
