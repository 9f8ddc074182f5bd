package servicelb

import (
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

type fakeAddrs struct {
	held      map[netip.Addr]bool
	announced map[netip.Addr]int
}

func (f *fakeAddrs) List() ([]netip.Addr, error) {
	var out []netip.Addr
	for a := range f.held {
		out = append(out, a)
	}
	return out, nil
}
func (f *fakeAddrs) Add(a netip.Addr) error      { f.held[a] = true; return nil }
func (f *fakeAddrs) Delete(a netip.Addr) error   { delete(f.held, a); return nil }
func (f *fakeAddrs) Announce(a netip.Addr) error { f.announced[a]++; return nil }

func (f *fakeAddrs) String() string {
	var s []string
	for a := range f.held {
		s = append(s, a.String())
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

// world is the cluster as every node's informers see it.
type world struct {
	services, nodes, leases cache.Indexer
	now                     time.Time
}

func newWorld() *world {
	idx := func() cache.Indexer {
		return cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	}
	return &world{services: idx(), nodes: idx(), leases: idx(), now: epoch.Add(time.Hour)}
}

func (w *world) announcer(node string) (*Announcer, *fakeAddrs, *record.FakeRecorder) {
	addrs := &fakeAddrs{held: map[netip.Addr]bool{}, announced: map[netip.Addr]int{}}
	rec := record.NewFakeRecorder(100)
	return &Announcer{Node: node, Pool: testPool, Addrs: addrs, Recorder: rec,
		Services: corelisters.NewServiceLister(w.services), Nodes: corelisters.NewNodeLister(w.nodes),
		Heartbeats: coordinationlisters.NewLeaseLister(w.leases).Leases(HeartbeatNamespace),
		Now:        func() time.Time { return w.now }}, addrs, rec
}

func (w *world) add(objs ...any) {
	for _, o := range objs {
		switch o.(type) {
		case *corev1.Service:
			_ = w.services.Add(o)
		case *corev1.Node:
			_ = w.nodes.Add(o)
		case *coordinationv1.Lease:
			_ = w.leases.Update(o)
		}
	}
}

// Exactly one node holds a Service's address; when that node's heartbeat stops, another
// takes it (and announces it); a foreign or deleted Service's address is held by none.
func TestAnnouncersAgreeAndFailOver(t *testing.T) {
	w := newWorld()
	names := []string{"lab-worker", "lab-worker2", "lab-worker3"}
	for _, n := range names {
		w.add(readyNode(n, true, nil), heartbeat(n, w.now))
	}
	web := lbService("web", 0, "172.30.64.1")
	foreign := lbService("foreign", 1, "172.30.64.2")
	class := "example.com/lb"
	foreign.Spec.LoadBalancerClass = &class
	pending := lbService("pending", 2)
	w.add(web, foreign, pending)

	ann := map[string]*Announcer{}
	addrs := map[string]*fakeAddrs{}
	recs := map[string]*record.FakeRecorder{}
	for _, n := range names {
		ann[n], addrs[n], recs[n] = w.announcer(n)
	}
	syncAll := func() {
		for _, n := range names {
			if err := ann[n].Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	holders := func() []string {
		var out []string
		for _, n := range names {
			if addrs[n].held[netip.MustParseAddr("172.30.64.1")] {
				out = append(out, n)
			}
			if len(addrs[n].held) > 1 || addrs[n].held[netip.MustParseAddr("172.30.64.2")] {
				t.Errorf("%s holds %s", n, addrs[n])
			}
		}
		return out
	}
	syncAll()
	h := holders()
	if len(h) != 1 || h[0] != Holder("default/web", names) {
		t.Fatalf("holders after first sync: %v", h)
	}
	first := h[0]
	if addrs[first].announced[netip.MustParseAddr("172.30.64.1")] != 1 {
		t.Errorf("no gratuitous ARP when taking the address")
	}
	if ev := events(recs[first]); !strings.Contains(ev, ReasonAnnouncing) {
		t.Errorf("no Event from the holder: %q", ev)
	}
	// Later syncs repeat the announcement a few times, then stop.
	for i := 0; i < announceRepeats+2; i++ {
		syncAll()
	}
	if n := addrs[first].announced[netip.MustParseAddr("172.30.64.1")]; n != announceRepeats+1 {
		t.Errorf("announced %d times, want %d", n, announceRepeats+1)
	}

	// The holder stops: its heartbeat is not renewed and expires.
	w.now = w.now.Add(HeartbeatDuration + time.Second)
	for _, n := range names {
		if n != first {
			w.add(heartbeat(n, w.now))
		}
	}
	syncAll()
	// Another node takes the address; the silent node, if it still runs, sees its own
	// heartbeat expired and lets the address go.
	h = holders()
	if len(h) != 1 || h[0] == first {
		t.Fatalf("holders after %s went silent: %v", first, h)
	}
	second := h[0]
	if addrs[second].announced[netip.MustParseAddr("172.30.64.1")] == 0 {
		t.Errorf("%s took the address without announcing it", second)
	}

	// The Service goes: every node lets the address go.
	_ = w.services.Delete(web)
	syncAll()
	if h := holders(); len(h) != 0 {
		t.Errorf("address still held after the Service went: %v", h)
	}
	if err := ann[second].ReleaseAll(); err != nil || len(addrs[second].held) != 0 {
		t.Errorf("ReleaseAll: %v %s", err, addrs[second])
	}
}
