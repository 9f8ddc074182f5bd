package addons

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubelab/kubelab/manifests"
	"github.com/kubelab/kubelab/pkg/addons/catalog"
)

// Every manifest under addons/ is exactly one add-on's, and All is the catalog's list.
func TestAddonManifests(t *testing.T) {
	files, err := fs.Glob(manifests.FS, "addons/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no add-on manifests: %v", err)
	}
	if len(All) != len(catalog.All) {
		t.Fatalf("%d add-ons, %d in the catalog", len(All), len(catalog.All))
	}
	var used []string
	for i, a := range All {
		if a.Name != catalog.All[i].Name {
			t.Errorf("All[%d] is %s, catalog.All[%d] is %s", i, a.Name, i, catalog.All[i].Name)
		}
		used = append(used, a.Manifest)
	}
	slices.Sort(used)
	if !slices.Equal(files, used) {
		t.Errorf("manifests %v, used by the add-ons %v", files, used)
	}
}

func TestFind(t *testing.T) {
	a, err := Find("ingress")
	if err != nil || a.Manifest != "addons/ingress.yaml" {
		t.Errorf("Find(ingress) = %+v, %v", a, err)
	}
	_, err = Find("dashbaord")
	if err == nil || !strings.Contains(err.Error(), "metrics-server") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestStatus(t *testing.T) {
	a, _ := Find("metrics-server")
	cs := fake.NewClientset()
	s, err := a.Status(context.Background(), cs)
	if err != nil || s.Enabled || s.Ready || s.Status != "disabled" {
		t.Errorf("no Deployment: %+v %v", s, err)
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: a.Deployment, Namespace: a.Namespace}}
	d.Status.ReadyReplicas, d.Status.UpdatedReplicas = 0, 1
	if _, err := cs.AppsV1().Deployments(a.Namespace).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ = a.Status(context.Background(), cs); !s.Enabled || s.Ready || s.Status != "0/1 ready" {
		t.Errorf("starting: %+v", s)
	}
	d.Status.ReadyReplicas = 1
	if _, err := cs.AppsV1().Deployments(a.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ = a.Status(context.Background(), cs); !s.Enabled || !s.Ready || s.Status != "1/1 ready" {
		t.Errorf("ready: %+v", s)
	}
}

// network-policy runs on every node: its DaemonSet says whether it is ready.
func TestStatusOfADaemonSet(t *testing.T) {
	a, _ := Find("network-policy")
	cs := fake.NewClientset()
	if s, err := a.Status(context.Background(), cs); err != nil || s.Enabled || s.Status != "disabled" {
		t.Errorf("no DaemonSet: %+v %v", s, err)
	}
	d := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: a.DaemonSet, Namespace: a.Namespace}}
	d.Status.DesiredNumberScheduled, d.Status.NumberReady, d.Status.UpdatedNumberScheduled = 3, 2, 3
	if _, err := cs.AppsV1().DaemonSets(a.Namespace).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Status(context.Background(), cs); !s.Enabled || s.Ready || s.Status != "2/3 ready" {
		t.Errorf("one node starting: %+v", s)
	}
	d.Status.NumberReady = 3
	if _, err := cs.AppsV1().DaemonSets(a.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Status(context.Background(), cs); !s.Enabled || !s.Ready || s.Status != "3/3 ready" {
		t.Errorf("ready: %+v", s)
	}
	// Before the controller counted any node, it is not ready.
	if ok, _ := DaemonSetReady(&appsv1.DaemonSet{}); ok {
		t.Error("a DaemonSet with no node counted yet is ready")
	}
}
