package servicelb

import (
	"context"
	"log"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Heartbeats are Leases in this namespace, one per node, named HeartbeatName(node) and
// labelled HeartbeatLabel. A node whose netd stopped renewing its Lease (the node
// stopped, or netd died) loses its addresses to another node within
// HeartbeatDuration, well before the node turns NotReady (40 s or more).
const (
	HeartbeatNamespace = "kube-system"
	HeartbeatLabel     = "kubelab.io/netd-heartbeat"
	HeartbeatDuration  = 10 * time.Second
	heartbeatEvery     = 2 * time.Second
)

// HeartbeatName is the name of a node's heartbeat Lease.
func HeartbeatName(node string) string { return "kubelab-netd-" + node }

// Heartbeat keeps this node's heartbeat Lease renewed.
type Heartbeat struct {
	Client kubernetes.Interface
	Node   string
	Now    func() time.Time // time.Now if nil
}

// Renew creates or renews the Lease once.
func (h *Heartbeat) Renew(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	if h.Now != nil {
		now = metav1.NewMicroTime(h.Now())
	}
	leases := h.Client.CoordinationV1().Leases(HeartbeatNamespace)
	l, err := leases.Get(ctx, HeartbeatName(h.Node), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: HeartbeatName(h.Node), Labels: map[string]string{HeartbeatLabel: "true"}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(h.Node), RenewTime: &now, AcquireTime: &now,
				LeaseDurationSeconds: ptr.To(int32(HeartbeatDuration / time.Second))},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.RenewTime = &now
	l.Spec.HolderIdentity = ptr.To(h.Node)
	l.Spec.LeaseDurationSeconds = ptr.To(int32(HeartbeatDuration / time.Second))
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

// Run renews the Lease until ctx ends, then deletes it: the other nodes take over this
// node's addresses at once instead of after HeartbeatDuration.
func (h *Heartbeat) Run(ctx context.Context) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		if err := h.Renew(ctx); err != nil && ctx.Err() == nil {
			log.Printf("heartbeat: %v", err)
		}
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err := h.Client.CoordinationV1().Leases(HeartbeatNamespace).Delete(dctx, HeartbeatName(h.Node), metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				log.Printf("heartbeat: delete: %v", err)
			}
			return
		case <-t.C:
		}
	}
}
