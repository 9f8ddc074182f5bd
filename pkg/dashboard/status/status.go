// Package status owns how the dashboard sums up an object's health in a word and a
// colour class: a pod's status as `kubectl get pods` prints it, its readiness and
// restarts, a Deployment's rollout state, a Node's readiness and roles, and ages.
package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The colour classes the UI knows (CSS classes state-ok, state-warn, ...).
const (
	OK   = "ok"   // running and ready, available, Ready
	Warn = "warn" // on its way: pending, creating, not ready yet, rolling out
	Bad  = "bad"  // failing: crash loops, image pull errors, Failed, NotReady
	Done = "done" // finished: Succeeded / Completed
	Off  = "off"  // going away or idle: Terminating, scaled to zero
)

// Pod is a pod's status in one word, the way `kubectl get pods` shows it, and its class.
func Pod(p *corev1.Pod) (string, string) {
	if p.DeletionTimestamp != nil {
		return "Terminating", Off
	}
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	for i, c := range p.Status.InitContainerStatuses {
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Terminated != nil:
			if c.State.Terminated.Reason != "" {
				return "Init:" + c.State.Terminated.Reason, Bad
			}
			return fmt.Sprintf("Init:ExitCode:%d", c.State.Terminated.ExitCode), Bad
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			return "Init:" + c.State.Waiting.Reason, classOfReason(c.State.Waiting.Reason)
		default:
			return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers)), Warn
		}
	}
	running := false
	for _, c := range p.Status.ContainerStatuses {
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			reason = c.State.Waiting.Reason
		case c.State.Terminated != nil && c.State.Terminated.Reason != "":
			reason = c.State.Terminated.Reason
		case c.State.Terminated != nil:
			reason = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
		case c.State.Running != nil:
			running = true
		}
	}
	if reason == "Completed" || p.Status.Phase == corev1.PodSucceeded {
		return "Completed", Done
	}
	if running && reason == string(corev1.PodRunning) {
		ready, total := Ready(p)
		if ready < total {
			return "Running", Warn
		}
		return "Running", OK
	}
	if reason == "" {
		reason = "Unknown"
	}
	return reason, classOfReason(reason)
}

// classOfReason colours a waiting or terminated reason.
func classOfReason(reason string) string {
	switch reason {
	case "Pending", "ContainerCreating", "PodInitializing", "Running":
		return Warn
	case "Succeeded", "Completed":
		return Done
	}
	return Bad
}

// Ready counts a pod's ready containers out of all of them.
func Ready(p *corev1.Pod) (ready, total int) {
	for _, c := range p.Status.ContainerStatuses {
		if c.Ready {
			ready++
		}
	}
	total = len(p.Spec.Containers)
	if n := len(p.Status.ContainerStatuses); n > total {
		total = n
	}
	return ready, total
}

// Restarts adds up the restarts of a pod's containers.
func Restarts(p *corev1.Pod) int {
	n := 0
	for _, c := range p.Status.ContainerStatuses {
		n += int(c.RestartCount)
	}
	return n
}

// Deployment sums up a Deployment's rollout: "3/3 ready" and a class.
func Deployment(d *appsv1.Deployment) (string, string) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	text := fmt.Sprintf("%d/%d ready", d.Status.ReadyReplicas, want)
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse {
			return text + ", " + c.Reason, Bad
		}
	}
	switch {
	case want == 0 && d.Status.Replicas == 0:
		return "scaled to 0", Off
	case d.Status.ReadyReplicas >= want && d.Status.UpdatedReplicas >= want && d.Status.Replicas == want:
		return text, OK
	}
	return text, Warn
}

// ReplicaSet sums up a ReplicaSet like Deployment does.
func ReplicaSet(rs *appsv1.ReplicaSet) (string, string) {
	want := int32(1)
	if rs.Spec.Replicas != nil {
		want = *rs.Spec.Replicas
	}
	text := fmt.Sprintf("%d/%d ready", rs.Status.ReadyReplicas, want)
	switch {
	case want == 0 && rs.Status.Replicas == 0:
		return "0 pods", Off
	case rs.Status.ReadyReplicas >= want:
		return text, OK
	}
	return text, Warn
}

// Node is a node's readiness: "Ready", "NotReady" or "Unknown", with ", SchedulingDisabled"
// when cordoned, and its class.
func Node(n *corev1.Node) (string, string) {
	text, class := "Unknown", Bad
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				text, class = "Ready", OK
			} else if c.Status == corev1.ConditionFalse {
				text = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		text += ",SchedulingDisabled"
		if class == OK {
			class = Warn
		}
	}
	return text, class
}

// Roles lists a node's roles from its node-role.kubernetes.io/ labels, "<none>" if none.
func Roles(n *corev1.Node) string {
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return "<none>"
	}
	sort.Strings(roles)
	return strings.Join(roles, ",")
}

// InternalIP is a node's InternalIP address, or "".
func InternalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// Age prints how long ago t was, the way kubectl does ("45s", "3m", "2d4h"); "" if unset.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// Worst picks the class that needs attention most, for a group of objects.
func Worst(classes map[string]int) string {
	for _, c := range []string{Bad, Warn, OK, Done, Off} {
		if classes[c] > 0 {
			return c
		}
	}
	return Off
}
