package cmd

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/cluster"
)

func TestStopAndStart(t *testing.T) {
	f := twoClusters()
	_, stderr, err := run(t, f, "stop", "--name", "lab")
	if err != nil || !strings.Contains(stderr, `Cluster "lab" is stopped.`) {
		t.Errorf("stop: %v\n%s", err, stderr)
	}
	if got := f.called("StopNode"); !slices.Equal(got, []string{"StopNode lab-worker", "StopNode lab-control-plane"}) {
		t.Errorf("stop called %v", got)
	}
	_, stderr, err = run(t, f, "stop", "--name", "other")
	if err != nil || !strings.Contains(stderr, `Cluster "other" is already stopped.`) {
		t.Errorf("stop of a stopped cluster: %v\n%s", err, stderr)
	}
	_, stderr, err = run(t, f, "start", "--name", "lab")
	if err != nil || !strings.Contains(stderr, `Cluster "lab" is already running.`) || len(f.called("StartNode")) != 0 {
		t.Errorf("start of a running cluster: %v\n%s", err, stderr)
	}
	_, stderr, err = run(t, f, "start", "--name", "other", "--wait", "0")
	if err != nil || !strings.Contains(stderr, `Cluster "other" is running again.`) ||
		!slices.Equal(f.called("StartNode"), []string{"StartNode other-control-plane"}) {
		t.Errorf("start: %v\n%s", err, stderr)
	}
}

func TestStatusOfAStoppedCluster(t *testing.T) {
	out, _, err := run(t, twoClusters(), "status", "--name", "other", "--kubeconfig", t.TempDir()+"/config")
	if err != nil || !strings.Contains(out, "Cluster:     other (stopped)") || !strings.Contains(out, "other-control-plane   control-plane   exited") {
		t.Errorf("status: %v\n%s", err, out)
	}
	out, _, err = run(t, twoClusters(), "status", "--name", "other", "-o", "json", "--kubeconfig", t.TempDir()+"/config")
	var s cluster.Status
	if err != nil || json.Unmarshal([]byte(out), &s) != nil || s.State != cluster.StateStopped || s.HasContext || len(s.Nodes) != 1 {
		t.Errorf("status -o json: %v\n%s", err, out)
	}
}

func TestDeleteAll(t *testing.T) {
	f := twoClusters()
	f.volumes = []fakeVolume{{name: "half-control-plane-var", cluster: "half"}}
	_, stderr, err := run(t, f, "delete", "cluster", "--all", "--kubeconfig", t.TempDir()+"/config")
	if err != nil || !strings.Contains(stderr, "Deleted half, lab, other.") {
		t.Errorf("delete --all: %v\n%s", err, stderr)
	}
	if got := f.called("DeleteVolume"); !slices.Contains(got, "DeleteVolume half-control-plane-var") {
		t.Errorf("the orphan volume was not removed: %v", got)
	}
	if _, _, err := run(t, twoClusters(), "delete", "cluster", "--all", "--name", "lab"); err == nil {
		t.Error("--all with --name was accepted")
	}
}
