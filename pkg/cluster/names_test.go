package cluster

import (
	"reflect"
	"testing"

	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/labels"
)

func TestNodeNames(t *testing.T) {
	cp, w := config.Node{Role: labels.RoleControlPlane}, config.Node{Role: labels.RoleWorker}
	got := NodeNames("lab", []config.Node{cp, cp, cp, w, w})
	want := []string{"lab-control-plane", "lab-control-plane2", "lab-control-plane3", "lab-worker", "lab-worker2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := NodeNames("kubelab", []config.Node{cp}); got[0] != "kubelab-control-plane" {
		t.Errorf("single node: %v", got)
	}
}
