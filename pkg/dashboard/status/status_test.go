package status

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPod(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	waiting := func(r string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: r}}
	}
	pod := func(phase corev1.PodPhase, states ...corev1.ContainerStatus) *corev1.Pod {
		p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase, ContainerStatuses: states}}
		for range states {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{})
		}
		return p
	}
	terminating := pod(corev1.PodRunning, corev1.ContainerStatus{Ready: true, State: running})
	terminating.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	initWaiting := pod(corev1.PodPending, corev1.ContainerStatus{State: waiting("PodInitializing")})
	initWaiting.Spec.InitContainers = []corev1.Container{{}}
	initWaiting.Status.InitContainerStatuses = []corev1.ContainerStatus{{State: running}}
	for name, tc := range map[string]struct {
		p           *corev1.Pod
		text, class string
	}{
		"ready":        {pod(corev1.PodRunning, corev1.ContainerStatus{Ready: true, State: running}), "Running", OK},
		"not ready":    {pod(corev1.PodRunning, corev1.ContainerStatus{State: running}), "Running", Warn},
		"crash loop":   {pod(corev1.PodRunning, corev1.ContainerStatus{State: waiting("CrashLoopBackOff")}), "CrashLoopBackOff", Bad},
		"pull error":   {pod(corev1.PodPending, corev1.ContainerStatus{State: waiting("ImagePullBackOff")}), "ImagePullBackOff", Bad},
		"creating":     {pod(corev1.PodPending, corev1.ContainerStatus{State: waiting("ContainerCreating")}), "ContainerCreating", Warn},
		"unscheduled":  {pod(corev1.PodPending), "Pending", Warn},
		"completed":    {pod(corev1.PodSucceeded, corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}), "Completed", Done},
		"failed":       {pod(corev1.PodFailed, corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}), "ExitCode:2", Bad},
		"evicted":      {&corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, "Evicted", Bad},
		"terminating":  {terminating, "Terminating", Off},
		"init running": {initWaiting, "Init:0/1", Warn},
	} {
		if text, class := Pod(tc.p); text != tc.text || class != tc.class {
			t.Errorf("%s: got %s/%s, want %s/%s", name, text, class, tc.text, tc.class)
		}
	}
}

func TestDeploymentAndNode(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(3))},
		Status: appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3}}
	if text, class := Deployment(d); text != "3/3 ready" || class != OK {
		t.Errorf("settled: %s/%s", text, class)
	}
	d.Status.ReadyReplicas = 1
	if _, class := Deployment(d); class != Warn {
		t.Errorf("rolling out: %s", class)
	}
	d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded"}}
	if text, class := Deployment(d); class != Bad || text != "1/3 ready, ProgressDeadlineExceeded" {
		t.Errorf("stuck: %s/%s", text, class)
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""}},
		Spec:   corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	if text, class := Node(n); text != "Ready,SchedulingDisabled" || class != Warn {
		t.Errorf("cordoned node: %s/%s", text, class)
	}
	if r := Roles(n); r != "control-plane,worker" {
		t.Errorf("roles %q", r)
	}
	if w := Worst(map[string]int{OK: 5, Warn: 1}); w != Warn {
		t.Errorf("Worst = %s", w)
	}
}
