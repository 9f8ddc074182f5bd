package netd

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, ip, cidr string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if cidr != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	}
	if ip != "" {
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: ip}}
	}
	return n
}

type fakeRoutes struct{ table map[Route]bool }

func (f *fakeRoutes) List() ([]Route, error) {
	var out []Route
	for r := range f.table {
		out = append(out, r)
	}
	return out, nil
}
func (f *fakeRoutes) Replace(r Route) error { f.table[r] = true; return nil }
func (f *fakeRoutes) Delete(r Route) error  { delete(f.table, r); return nil }

type fakeMasq struct{ cidrs []netip.Prefix }

type fakeGuard struct{ cidrs []netip.Prefix }

func (f *fakeGuard) Ensure(c netip.Prefix) error { f.cidrs = append(f.cidrs, c); return nil }

func (f *fakeMasq) Ensure(c netip.Prefix) error { f.cidrs = append(f.cidrs, c); return nil }

func route(dst, via string) Route {
	return Route{Dst: netip.MustParsePrefix(dst), Via: netip.MustParseAddr(via)}
}

func TestDesiredRoutes(t *testing.T) {
	nodes := []*corev1.Node{
		node("cp", "172.30.0.2", "10.244.0.0/24"),
		node("w1", "172.30.0.3", "10.244.1.0/24"),
		node("w2", "172.30.0.4", "10.244.2.0/24"),
		node("new", "172.30.0.5", ""),       // no pod range yet
		node("noaddr", "", "10.244.9.0/24"), // no address yet
	}
	got := DesiredRoutes("w1", nodes)
	want := []Route{route("10.244.0.0/24", "172.30.0.2"), route("10.244.2.0/24", "172.30.0.4")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSyncWritesCNIAndReconcilesRoutes(t *testing.T) {
	dir := t.TempDir()
	stale := route("10.244.7.0/24", "172.30.0.9") // a node that is gone
	routes := &fakeRoutes{table: map[Route]bool{stale: true}}
	masq, guard := &fakeMasq{}, &fakeGuard{}
	d := &Daemon{NodeName: "cp", ClusterCIDR: netip.MustParsePrefix("10.244.0.0/16"), ServiceCIDR: netip.MustParsePrefix("10.96.0.0/16"),
		CNIConfPath: filepath.Join(dir, "net.d", "10-kubelab.conflist"), Routes: routes, Masq: masq, Guard: guard}
	nodes := []*corev1.Node{node("cp", "172.30.0.2", "10.244.0.0/24"), node("w1", "172.30.0.3", "10.244.1.0/24")}
	if err := d.Sync(nodes); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(routes.table, map[Route]bool{route("10.244.1.0/24", "172.30.0.3"): true}) {
		t.Errorf("routes: %v", routes.table)
	}
	if len(masq.cidrs) != 1 || masq.cidrs[0].String() != "10.244.0.0/16" {
		t.Errorf("masquerade: %v", masq.cidrs)
	}
	if len(guard.cidrs) != 1 || guard.cidrs[0].String() != "10.96.0.0/16" {
		t.Errorf("service range guard: %v", guard.cidrs)
	}
	data, err := os.ReadFile(d.CNIConfPath)
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Plugins []map[string]any `json:"plugins"`
	}
	if err := json.Unmarshal(data, &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Plugins[0]["type"] != "bridge" || conf.Plugins[1]["type"] != "portmap" || !strings.Contains(string(data), `"subnet": "10.244.0.0/24"`) {
		t.Errorf("CNI config:\n%s", data)
	}
	// A second sync with the same nodes changes nothing (the file is not rewritten).
	st1, _ := os.Stat(d.CNIConfPath)
	if err := d.Sync(nodes); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(d.CNIConfPath)
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("unchanged CNI config was rewritten")
	}
}

func TestSyncWithoutPodRangeWritesNothing(t *testing.T) {
	d := &Daemon{NodeName: "cp", ClusterCIDR: netip.MustParsePrefix("10.244.0.0/16"),
		CNIConfPath: filepath.Join(t.TempDir(), "conf"), Routes: &fakeRoutes{table: map[Route]bool{}}, Masq: &fakeMasq{}}
	if err := d.Sync([]*corev1.Node{node("cp", "172.30.0.2", "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.CNIConfPath); !os.IsNotExist(err) {
		t.Error("CNI config written before the node had a pod range: the node would turn Ready too early")
	}
	if err := d.Sync([]*corev1.Node{node("other", "172.30.0.3", "")}); err == nil {
		t.Error("sync without its own node must fail")
	}
}

func TestCNIConfigRejectsBadCIDR(t *testing.T) {
	if _, err := CNIConfig([]string{"10.244.0.0"}); err == nil {
		t.Error("accepted a CIDR without a mask")
	}
}
