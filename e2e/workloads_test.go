//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// echoContainer runs the kubelab-echo server on port 8080, ready once it answers.
func echoContainer() corev1.Container {
	return corev1.Container{
		Name: "echo", Image: "kubelab/echo:1.0",
		Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
		Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
		// Probe every second: with the default 10 s, a first probe sent before the server
		// listens keeps the pod unready for 10 s more.
		ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{
			HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}},
	}
}

// deployEcho runs the echo server as a Deployment and a Service (port 80) called name,
// on node if not empty, and returns the pod's IP once it is ready.
func deployEcho(t *testing.T, ctx context.Context, cs kubernetes.Interface, name, node string) (podIP string) {
	t.Helper()
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{echoContainer()}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil || len(pods.Items) == 0 {
			return false, nil
		}
		podIP = pods.Items[0].Status.PodIP
		return podIsReady(&pods.Items[0]), nil
	})
	if err != nil {
		describePods(t, ctx, cs, "default")
		t.Fatalf("%s not ready: %v", name, err)
	}
	return podIP
}

// runEverywhere runs the echo server on every node (control planes too) and returns the
// pods' IPs once all are ready.
func runEverywhere(t *testing.T, ctx context.Context, cs kubernetes.Interface) []string {
	t.Helper()
	labels := map[string]string{"app": "everywhere"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "everywhere"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers:  []corev1.Container{echoContainer()},
				},
			},
		},
	}
	if _, err := cs.AppsV1().DaemonSets("default").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var ips []string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		nodes, err1 := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		pods, err2 := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=everywhere"})
		if err1 != nil || err2 != nil {
			return false, nil
		}
		ips = ips[:0]
		for _, p := range pods.Items {
			if podIsReady(&p) {
				ips = append(ips, p.Status.PodIP)
			}
		}
		return len(ips) == len(nodes.Items), nil
	})
	if err != nil {
		describePods(t, ctx, cs, "default")
		t.Fatalf("echo pods not ready on every node: %v", err)
	}
	return ips
}

// runClientPod runs kubelab-echo with args (`get -retry 20s URL...`, `lookup NAME`) once,
// in a pod called podName on node (any node if empty, control planes included), waits up
// to 2 minutes for it to exit and returns its logs. A pod that does not succeed fails the
// test, after the namespace's pods and events are logged.
func runClientPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, podName, node string, args ...string) string {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: podName},
		Spec: corev1.PodSpec{
			NodeName:      node,
			RestartPolicy: corev1.RestartPolicyNever,
			Tolerations:   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers:    []corev1.Container{{Name: "client", Image: "kubelab/echo:1.0", Args: args}},
		},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var phase corev1.PodPhase
	err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, podName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		phase = p.Status.Phase
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed, nil
	})
	logs, logErr := cs.CoreV1().Pods("default").GetLogs(podName, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || phase != corev1.PodSucceeded {
		describePods(t, ctx, cs, "default")
		t.Errorf("pod %s on %q ended %q (%v); logs (%v):\n%s", podName, node, phase, err, logErr, logs)
	}
	return string(logs)
}
