//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/client"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/e2e/benchreport"
)

// benchPoll is how often the bench looks at what it waits for: its figures are exact to
// about this much.
const benchPoll = 50 * time.Millisecond

// benchRun creates a cluster of one control plane and workers workers, and times
// time-to-k8s's three phases: the create, an app becoming Available, and a pod reaching
// it by Service name. The cluster is deleted when t ends.
func benchRun(t *testing.T, api *client.Client, workers int) benchreport.Run {
	t.Helper()
	name, kc := benchCluster(t)
	args := []string{"create", "cluster", "--name", name, "--image", nodeImage}
	if workers > 0 {
		args = append(args, "--workers", strconv.Itoa(workers))
	}
	run, err := timedCreate(t, api, kc, name, args...)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cs := clientset(t, kc, name)
	start := time.Now()
	if err := benchApp(ctx, cs); err != nil {
		describePods(t, ctx, cs, "default")
		t.Fatalf("app: %v", err)
	}
	run.App = time.Since(start).Seconds()
	start = time.Now()
	if err := benchDNS(ctx, cs); err != nil {
		describePods(t, ctx, cs, "default")
		t.Fatalf("dns: %v", err)
	}
	run.DNS = time.Since(start).Seconds()
	run.Total = run.Create + run.App + run.DNS
	return run
}

// benchCluster names a bench cluster and its kubeconfig file, and deletes the cluster
// when t ends: each run is a subtest, so no cluster outlives its run.
func benchCluster(t *testing.T) (name, kubeconfig string) {
	name, kubeconfig = uniqueName("bn"), tempKubeconfig(t)
	t.Cleanup(func() { kubelab(t, []string{"KUBECONFIG=" + kubeconfig}, "delete", "cluster", "--name", name) })
	return name, kubeconfig
}

// timedCreate runs `kubelab args...` (a create of cluster name), and returns how long it
// took, the CPU seconds it used, and the steps it printed. The node containers' CPU is
// read the moment the create returns.
func timedCreate(t *testing.T, api *client.Client, kubeconfig, name string, args ...string) (benchreport.Run, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubelabBin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	nodesCPU, cpuErr := clusterCPUSeconds(api, name)
	t.Logf("kubelab %v (%.1fs, err=%v)\n%s", args, took.Seconds(), err, out.String())
	if err != nil {
		return benchreport.Run{}, fmt.Errorf("create: %w", err)
	}
	if cpuErr != nil {
		return benchreport.Run{}, cpuErr
	}
	ps := cmd.ProcessState
	run := benchreport.Run{
		Create:     took.Seconds(),
		KubelabCPU: (ps.UserTime() + ps.SystemTime()).Seconds(),
		NodesCPU:   nodesCPU,
		Steps:      benchreport.ParseSteps(out.String(), name),
	}
	run.CPU = run.KubelabCPU + run.NodesCPU
	return run, nil
}

// benchApp deploys kubelab/echo behind a ClusterIP Service called bench-echo and waits
// until the Deployment is Available.
func benchApp(ctx context.Context, cs kubernetes.Interface) error {
	labels := map[string]string{"app": "bench-echo"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-echo"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{echoContainer()}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-echo"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, benchPoll, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, "bench-echo", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range d.Status.Conditions {
			if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
				return d.Status.AvailableReplicas >= 1, nil
			}
		}
		return false, nil
	})
}

// benchDNS runs a pod that fetches http://bench-echo/ (retrying for up to 2 minutes) and
// waits until it has succeeded: the Service's name resolved and the app answered 200.
func benchDNS(ctx context.Context, cs kubernetes.Interface) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-dns"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "get", Image: "kubelab/echo:1.0", Args: []string{"get", "-retry", "2m", "http://bench-echo/"},
		}}},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, benchPoll, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "bench-dns", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		if p.Status.Phase == corev1.PodFailed {
			return false, fmt.Errorf("pod bench-dns failed")
		}
		return p.Status.Phase == corev1.PodSucceeded, nil
	})
}
