package dashboard

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestMirrorPointsEndpointsAtThePod(t *testing.T) {
	c := fake.NewClientset()
	m := &Mirror{Client: c, Namespace: "kube-system", Name: "kubernetes-dashboard", IP: "10.244.0.5", Port: 8443, Every: time.Hour}
	ctx := t.Context()
	get := func() *corev1.Endpoints {
		t.Helper()
		ep, err := c.CoreV1().Endpoints("kube-system").Get(ctx, "kubernetes-dashboard", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ep := get()
	if len(ep.Subsets) != 1 || ep.Subsets[0].Addresses[0].IP != "10.244.0.5" || ep.Subsets[0].Ports[0].Port != 8443 || ep.Subsets[0].Ports[0].Name != "" {
		t.Fatalf("created %+v", ep.Subsets)
	}
	// A restarted dashboard has a new address: the Endpoints follow it.
	m2 := *m
	m2.IP = "10.244.0.9"
	if err := m2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ep = get(); ep.Subsets[0].Addresses[0].IP != "10.244.0.9" {
		t.Fatalf("after a new pod: %+v", ep.Subsets)
	}
	// The old pod, going away, leaves the new one's address alone...
	if err := m.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ep = get(); len(ep.Subsets) != 1 {
		t.Fatalf("the old pod released the new one's endpoints: %+v", ep.Subsets)
	}
	// ...and the new one, going away, empties them.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { m2.Run(runCtx); close(done) }()
	stop()
	<-done
	if ep = get(); len(ep.Subsets) != 0 {
		t.Errorf("after the pod stopped: %+v", ep.Subsets)
	}
}
