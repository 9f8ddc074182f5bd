package servicelb

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/record"
)

// Addresses are the pool addresses on this node's interface on the Docker network.
type Addresses interface {
	// List returns the pool addresses the interface holds.
	List() ([]netip.Addr, error)
	Add(netip.Addr) error
	Delete(netip.Addr) error
	// Announce sends gratuitous ARP for the address, so that the host and the other
	// containers send its traffic to this node from now on.
	Announce(netip.Addr) error
}

// ReasonAnnouncing is the Event a node records on a Service when it takes its address.
const ReasonAnnouncing = "Announcing"

// announceRepeats is how many more gratuitous ARPs follow the first (one per Sync), in
// case one is lost.
const announceRepeats = 3

// Announcer makes this node hold exactly the addresses it is the holder of.
type Announcer struct {
	Node       string
	Pool       Pool
	Addrs      Addresses
	Services   corelisters.ServiceLister
	Nodes      corelisters.NodeLister
	Heartbeats coordinationlisters.LeaseNamespaceLister
	Slices     discoverylisters.EndpointSliceLister
	Recorder   record.EventRecorder
	Now        func() time.Time // time.Now if nil

	repeats map[netip.Addr]int
}

// Wanted maps each address this node should hold to its Service.
func (a *Announcer) Wanted() (map[netip.Addr]*corev1.Service, error) {
	nodes, err := a.Nodes.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	beats, err := a.Heartbeats.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	candidates := Candidates(nodes, beats, now)
	svcs, err := a.Services.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var slices []*discoveryv1.EndpointSlice
	if a.Slices != nil {
		if slices, err = a.Slices.List(labels.Everything()); err != nil {
			return nil, err
		}
	}
	// The status is the allocator's word: only a served Service's first pool address.
	sort.Slice(svcs, func(i, j int) bool { return Key(svcs[i]) < Key(svcs[j]) })
	want := map[netip.Addr]*corev1.Service{}
	for _, svc := range svcs {
		ips := a.Pool.IngressIPs(svc)
		if !Served(svc) || len(ips) == 0 {
			continue
		}
		if _, dup := want[ips[0]]; dup {
			continue
		}
		if Holder(Key(svc), LocalCandidates(svc, candidates, slices)) == a.Node {
			want[ips[0]] = svc
		}
	}
	return want, nil
}

// Sync adds the addresses this node should hold (announcing each), removes the others,
// and repeats recent announcements.
func (a *Announcer) Sync() error {
	if a.repeats == nil {
		a.repeats = map[netip.Addr]int{}
	}
	want, err := a.Wanted()
	if err != nil {
		return err
	}
	have, err := a.Addrs.List()
	if err != nil {
		return err
	}
	held := map[netip.Addr]bool{}
	var errs []error
	for _, ip := range have {
		held[ip] = true
		if want[ip] == nil {
			delete(a.repeats, ip)
			if err := a.Addrs.Delete(ip); err != nil {
				errs = append(errs, fmt.Errorf("release %s: %w", ip, err))
			}
		}
	}
	for ip, svc := range want {
		if held[ip] {
			continue
		}
		if err := a.Addrs.Add(ip); err != nil {
			errs = append(errs, fmt.Errorf("hold %s: %w", ip, err))
			continue
		}
		a.repeats[ip] = announceRepeats + 1
		a.Recorder.Eventf(svc, corev1.EventTypeNormal, ReasonAnnouncing, "Node %s holds %s and announces it", a.Node, ip)
	}
	for ip, n := range a.repeats {
		if err := a.Addrs.Announce(ip); err != nil {
			errs = append(errs, fmt.Errorf("announce %s: %w", ip, err))
		}
		if n <= 1 {
			delete(a.repeats, ip)
		} else {
			a.repeats[ip] = n - 1
		}
	}
	return errors.Join(errs...)
}

// ReleaseAll removes every pool address from the node (netd is stopping).
func (a *Announcer) ReleaseAll() error {
	have, err := a.Addrs.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, ip := range have {
		errs = append(errs, a.Addrs.Delete(ip))
	}
	return errors.Join(errs...)
}
