//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// BenchmarkSingleNodeCluster measures time-to-Kubernetes (`make bench`):
//   - s-created: `kubelab create cluster --wait 0` returns (kubeadm done, kubeconfig written)
//   - s-dns: a pod started right after that has resolved the API server's Service name
//     (kubernetes.default.svc.cluster.local) through CoreDNS, counted from the start of create
//   - MiB-node: the node container's memory use once DNS answers
//
// The goal is s-dns under 15 s.
func BenchmarkSingleNodeCluster(b *testing.B) {
	api := requireDocker(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		name := uniqueName("bench")
		kc := tempKubeconfig(b)
		env := []string{"KUBECONFIG=" + kc}
		b.StartTimer()

		start := time.Now()
		r := kubelab(b, env, "create", "cluster", "--name", name, "--image", nodeImage, "--wait", "0")
		if r.err != nil {
			b.Fatalf("create: %v\n%s", r.err, r.stderr)
		}
		created := time.Since(start)

		cs := clientset(b, kc, name)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		// Pods can only be created once the default ServiceAccount exists.
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err == nil, nil
		})
		if err != nil {
			b.Fatalf("default ServiceAccount: %v", err)
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "dns"},
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
				Name: "dns", Image: "kubelab/echo:1.0",
				Args: []string{"lookup", "-retry", "2m", "kubernetes.default.svc.cluster.local"},
			}}},
		}
		if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
			p, err := cs.CoreV1().Pods("default").Get(ctx, "dns", metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			if p.Status.Phase == corev1.PodFailed {
				return false, context.Canceled
			}
			return p.Status.Phase == corev1.PodSucceeded, nil
		})
		dns := time.Since(start)
		if err != nil {
			b.Fatalf("DNS pod: %v", err)
		}
		b.StopTimer()

		mem := nodeMemoryMiB(b, api, name+"-control-plane")
		cancel()
		b.ReportMetric(created.Seconds(), "s-created")
		b.ReportMetric(dns.Seconds(), "s-dns")
		b.ReportMetric(mem, "MiB-node")
		kubelab(b, env, "delete", "cluster", "--name", name)
	}
}
