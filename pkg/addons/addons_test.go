package addons

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubelab/kubelab/pkg/config"
)

// Every add-on can be chosen in the [addons] table under its own name, and every key of
// that table is an add-on.
func TestConfigTableMatchesAddons(t *testing.T) {
	typ := reflect.TypeFor[config.Addons]()
	var keys []string
	for f := range typ.Fields() {
		keys = append(keys, strings.Split(f.Tag.Get("toml"), ",")[0])
	}
	slices.Sort(keys)
	names := slices.Sorted(slices.Values(Names()))
	if !slices.Equal(keys, names) {
		t.Fatalf("[addons] keys %v, add-ons %v", keys, names)
	}
	for _, name := range keys {
		var a config.Addons
		if !a.Enabled(name) {
			t.Errorf("%s: not on by default", name)
		}
		off := false
		for j := range typ.NumField() {
			if strings.Split(typ.Field(j).Tag.Get("toml"), ",")[0] == name {
				reflect.ValueOf(&a).Elem().Field(j).Set(reflect.ValueOf(&off))
			}
		}
		if a.Enabled(name) {
			t.Errorf("%s = false: still enabled", name)
		}
		for _, other := range keys {
			if other != name && !a.Enabled(other) {
				t.Errorf("%s = false also disabled %s", name, other)
			}
		}
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
