package cluster

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

func TestPickNodes(t *testing.T) {
	all := []docker.Node{
		{Name: "lab-control-plane", Role: labels.RoleControlPlane, State: "running"},
		{Name: "lab-external-load-balancer", Role: labels.RoleLoadBalancer, State: "running"},
		{Name: "lab-worker", Role: labels.RoleWorker, State: "running"},
		{Name: "lab-worker2", Role: labels.RoleWorker, State: "exited"},
	}
	got, err := pickNodes(all, nil)
	if err != nil || !reflect.DeepEqual(got, []string{"lab-control-plane", "lab-worker"}) {
		t.Errorf("all running nodes, not the load balancer: %v %v", got, err)
	}
	got, err = pickNodes(all, []string{"lab-worker"})
	if err != nil || !reflect.DeepEqual(got, []string{"lab-worker"}) {
		t.Errorf("named node: %v %v", got, err)
	}
	if _, err := pickNodes(all, []string{"lab-external-load-balancer"}); err == nil || !strings.Contains(err.Error(), "its nodes: lab-control-plane, lab-worker, lab-worker2") {
		t.Errorf("the load balancer is not a node: %v", err)
	}
	if _, err := pickNodes(all[3:], nil); err == nil {
		t.Error("no running node must be an error")
	}
}
