package servicelb

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

// allocatorFixture runs an Allocator against a fake API server holding svcs.
func allocatorFixture(t *testing.T, svcs ...*corev1.Service) (*Allocator, *fake.Clientset, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewClientset()
	for _, s := range svcs {
		if _, err := client.CoreV1().Services(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Core().V1().Services()
	rec := record.NewFakeRecorder(100)
	a := &Allocator{Pool: testPool, Client: client, Services: inf.Lister(), Recorder: rec}
	inf.Informer() // register before Start
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return a, client, rec
}

func ingressOf(t *testing.T, client *fake.Clientset, name string) string {
	t.Helper()
	s, err := client.CoreV1().Services("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		ips = append(ips, in.IP)
	}
	return strings.Join(ips, ",")
}

func events(rec *record.FakeRecorder) string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return strings.Join(out, "\n")
		}
	}
}

// Two Services synced back to back, before the informer shows the first's status, still
// get different addresses.
func TestAllocatorAssignsDistinctAddresses(t *testing.T) {
	a, client, rec := allocatorFixture(t, lbService("web", 0), lbService("api", 1))
	ctx := context.Background()
	for _, k := range []string{"default/web", "default/api"} {
		if err := a.Sync(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if got := ingressOf(t, client, "web") + " " + ingressOf(t, client, "api"); got != "172.30.64.1 172.30.64.2" {
		t.Errorf("addresses: %s", got)
	}
	if ev := events(rec); strings.Count(ev, ReasonAllocated) != 2 {
		t.Errorf("events:\n%s", ev)
	}
}

// A Service that is deleted frees its address for the next; one that stops being a
// LoadBalancer has its address removed from its status.
func TestAllocatorReleases(t *testing.T) {
	web, api := lbService("web", 0, "172.30.64.1"), lbService("api", 1, "172.30.64.2")
	a, client, rec := allocatorFixture(t, web, api)
	ctx := context.Background()
	if err := client.CoreV1().Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		_, err := a.Services.Services("default").Get("web")
		return err != nil, nil
	}); err != nil {
		t.Fatal("the informer never saw the delete")
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, lbService("next", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitListed(t, a, "next")
	if err := a.Sync(ctx, "default/next"); err != nil {
		t.Fatal(err)
	}
	if got := ingressOf(t, client, "next"); got != "172.30.64.1" {
		t.Errorf("next got %q, want the freed 172.30.64.1", got)
	}

	api.Spec.Type = corev1.ServiceTypeClusterIP
	if _, err := client.CoreV1().Services("default").Update(ctx, api, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		s, err := a.Services.Services("default").Get("api")
		return err == nil && s.Spec.Type == corev1.ServiceTypeClusterIP, nil
	}); err != nil {
		t.Fatal("the informer never saw the type change")
	}
	if err := a.Sync(ctx, "default/api"); err != nil {
		t.Fatal(err)
	}
	if got := ingressOf(t, client, "api"); got != "" {
		t.Errorf("a ClusterIP Service kept %q", got)
	}
	if ev := events(rec); !strings.Contains(ev, ReasonReleased+" Released IP 172.30.64.2") {
		t.Errorf("events:\n%s", ev)
	}
}

// A requested address out of the range is refused with a warning Event; a Service of
// another class is left alone.
func TestAllocatorRejectsAndIgnores(t *testing.T) {
	bad := lbService("bad", 0)
	bad.Spec.LoadBalancerIP = "192.0.2.7"
	other := lbService("other", 1)
	class := "example.com/lb"
	other.Spec.LoadBalancerClass = &class
	a, client, rec := allocatorFixture(t, bad, other)
	ctx := context.Background()
	for _, k := range []string{"default/bad", "default/other"} {
		if err := a.Sync(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if got := ingressOf(t, client, "bad") + ingressOf(t, client, "other"); got != "" {
		t.Errorf("addresses given: %q", got)
	}
	ev := events(rec)
	if !strings.Contains(ev, "Warning "+ReasonNotInRange) || strings.Count(ev, "\n") != 0 {
		t.Errorf("want exactly one warning, for bad:\n%s", ev)
	}
	// A Service gone before its turn is no error.
	if err := a.Sync(ctx, "default/gone"); err != nil {
		t.Error(err)
	}
}

func waitListed(t *testing.T, a *Allocator, name string) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		_, err := a.Services.Services("default").Get(name)
		return err == nil, nil
	}); err != nil {
		t.Fatalf("the informer never listed %s", name)
	}
}
