package cluster

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestBootstrapToken(t *testing.T) {
	tok, err := bootstrapToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 23 || tok[6] != '.' || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz0123456789.") != "" {
		t.Errorf("token %q does not match [a-z0-9]{6}.[a-z0-9]{16}", tok)
	}
}

// CoreDNS's readiness probe runs every second after the patch and its Go runtime gets
// GOGC, with kubeadm's other settings kept; a single node runs one replica, more nodes
// kubeadm's two; a cluster without kubeadm's CoreDNS is left alone.
func TestTuneCoreDNS(t *testing.T) {
	for nodes, want := range map[int]int32{1: 1, 3: 2} {
		two := int32(2)
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"},
			Spec: appsv1.DeploymentSpec{Replicas: &two, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.14.6",
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready"}}},
			}}}}},
		}
		cs := fake.NewClientset(dep)
		c := &creation{client: cs, nodes: make([]node, nodes)}
		ctx := context.Background()
		if err := c.tuneCoreDNS(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctr := got.Spec.Template.Spec.Containers
		if len(ctr) != 1 || ctr[0].ReadinessProbe.PeriodSeconds != 1 || ctr[0].ReadinessProbe.HTTPGet.Path != "/ready" || ctr[0].Image == "" ||
			len(ctr[0].Env) != 1 || ctr[0].Env[0].Name != "GOGC" {
			t.Errorf("%d nodes: patched containers: %+v", nodes, ctr)
		}
		if got.Spec.Replicas == nil || *got.Spec.Replicas != want {
			t.Errorf("%d nodes: replicas %v, want %d", nodes, got.Spec.Replicas, want)
		}
	}
	c := &creation{client: fake.NewClientset()}
	if err := c.tuneCoreDNS(context.Background()); err != nil {
		t.Errorf("without CoreDNS: %v", err)
	}
}
