package dashboard

import (
	"context"
	"fmt"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Mirror keeps an Endpoints object pointing at this pod, for a selectorless Service in
// another namespace: a Service only selects pods of its own namespace, and old tutorials
// reach the dashboard through kube-system/kubernetes-dashboard. The API server's
// EndpointSlice mirroring controller turns the Endpoints into an EndpointSlice.
//
// Client is the pod's own ServiceAccount: its Role allows exactly this object.
type Mirror struct {
	Client    kubernetes.Interface
	Namespace string
	Name      string
	IP        string // the pod's address (downward API: status.podIP)
	Port      int32
	PortName  string        // "" matches the Service's unnamed port, which the tutorials' URL needs
	Every     time.Duration // how often to put it right again if someone changed it
	Log       *log.Logger
}

func (m *Mirror) subsets() []corev1.EndpointSubset {
	return []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: m.IP}},
		Ports:     []corev1.EndpointPort{{Name: m.PortName, Port: m.Port, Protocol: corev1.ProtocolTCP}},
	}}
}

// points says whether ep sends traffic to this pod's port, and only there.
func (m *Mirror) points(ep *corev1.Endpoints) bool {
	if len(ep.Subsets) != 1 {
		return false
	}
	s := ep.Subsets[0]
	return len(s.Addresses) == 1 && s.Addresses[0].IP == m.IP && len(s.NotReadyAddresses) == 0 &&
		len(s.Ports) == 1 && s.Ports[0].Port == m.Port && s.Ports[0].Name == m.PortName &&
		(s.Ports[0].Protocol == "" || s.Ports[0].Protocol == corev1.ProtocolTCP)
}

// Sync creates the Endpoints, or points them at this pod if they point elsewhere.
func (m *Mirror) Sync(ctx context.Context) error {
	eps := m.Client.CoreV1().Endpoints(m.Namespace)
	ep, err := eps.Get(ctx, m.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = eps.Create(ctx, &corev1.Endpoints{
			ObjectMeta: metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: map[string]string{
				"app.kubernetes.io/name": "kubernetes-dashboard", "app.kubernetes.io/managed-by": "kubelab-dashboard"}},
			Subsets: m.subsets(),
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil || m.points(ep) {
		return err
	}
	ep.Subsets = m.subsets()
	_, err = eps.Update(ctx, ep, metav1.UpdateOptions{})
	return err
}

// Release empties the Endpoints if they still point at this pod, so the kube-system path
// does not lead to a pod that is gone. A new pod points them at itself again.
func (m *Mirror) Release(ctx context.Context) error {
	eps := m.Client.CoreV1().Endpoints(m.Namespace)
	ep, err := eps.Get(ctx, m.Name, metav1.GetOptions{})
	if err != nil || !m.points(ep) {
		return ignoreNotFound(err)
	}
	ep.Subsets = nil
	_, err = eps.Update(ctx, ep, metav1.UpdateOptions{})
	return err
}

// ignoreNotFound drops NotFound: nothing to release.
func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// Run syncs at once and every m.Every until ctx ends, then releases.
func (m *Mirror) Run(ctx context.Context) {
	logf := log.Printf
	if m.Log != nil {
		logf = m.Log.Printf
	}
	where := fmt.Sprintf("Endpoints %s/%s", m.Namespace, m.Name)
	failing := false
	sync := func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := m.Sync(sctx); err != nil && ctx.Err() == nil {
			logf("%s: %v", where, err)
			failing = true
		} else if failing {
			logf("%s: point at %s:%d again", where, m.IP, m.Port)
			failing = false
		}
	}
	sync()
	t := time.NewTicker(m.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := m.Release(rctx); err != nil {
				logf("%s: release: %v", where, err)
			}
			return
		case <-t.C:
			sync()
		}
	}
}
