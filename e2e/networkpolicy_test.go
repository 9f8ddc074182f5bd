//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// netpolNamespace holds checkNetworkPolicy's pods and policies.
const netpolNamespace = "netpol-e2e"

// checkNetworkPolicy (on TestMultiNode's cluster, whose add-on network-policy is on by
// default): an echo server on worker, a client labelled role=allowed on worker2 (its
// packets cross nodes) and one labelled role=other on worker (they stay on the node's
// bridge). Both reach the server; a default-deny ingress policy in the namespace blocks
// both; a policy allowing role=allowed to port 8080 lets exactly that client in; an
// egress policy on role=allowed (everything but the server's address) blocks the server
// again while another destination, the echo server "web" of namespace default, still
// answers. Deleting the policies restores access.
func checkNetworkPolicy(t *testing.T, ctx context.Context, c *testCluster, webIP string) {
	if _, err := c.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: netpolNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer c.cs.CoreV1().Namespaces().Delete(context.Background(), netpolNamespace, metav1.DeleteOptions{}) //nolint:errcheck
	pods := map[string]string{}
	for _, p := range []struct{ name, node, label string }{
		{"server", c.name + "-worker", "app=server"},
		{"allowed", c.name + "-worker2", "role=allowed"},
		{"other", c.name + "-worker", "role=other"},
	} {
		pods[p.name] = runNetpolPod(t, ctx, c, p.name, p.node, p.label)
	}
	server := "http://" + pods["server"] + ":8080/"
	web := "http://" + webIP + ":8080/"
	expect := func(step, client, url string, reach bool) {
		t.Helper()
		if got := waitReach(t, c, client, url, reach); got != reach {
			t.Errorf("%s: %s reaches %s: %v, want %v", step, client, url, got, reach)
		}
	}
	expect("no policy", "allowed", server, true)
	expect("no policy", "other", server, true)

	c.apply(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: `+netpolNamespace+`}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`)
	expect("default deny", "allowed", server, false)
	expect("default deny", "other", server, false)

	c.apply(t, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-from-allowed, namespace: `+netpolNamespace+`}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: allowed}}}]
    ports: [{protocol: TCP, port: 8080}]
`)
	expect("allow role=allowed", "allowed", server, true)
	// Still blocked a few seconds after the allowed client got in: the rule is for one label.
	time.Sleep(3 * time.Second)
	expect("allow role=allowed", "other", server, false)

	c.apply(t, fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allowed-egress, namespace: %s}
spec:
  podSelector: {matchLabels: {role: allowed}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [%s/32]}}]
`, netpolNamespace, pods["server"]))
	expect("egress except the server", "allowed", server, false)
	expect("egress except the server", "allowed", web, true)

	c.kubectl(t, "delete", "networkpolicy", "--all", "-n", netpolNamespace)
	expect("policies deleted", "other", server, true)
	expect("policies deleted", "allowed", server, true)
}

// runNetpolPod runs an echo server pod (also the client, with `kubelab-echo get`) with one
// label on node, and returns its IP once it is ready.
func runNetpolPod(t *testing.T, ctx context.Context, c *testCluster, name, node, label string) string {
	t.Helper()
	k, v, _ := strings.Cut(label, "=")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{k: v}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{echoContainer()}},
	}
	if _, err := c.cs.CoreV1().Pods(netpolNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var ip string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := c.cs.CoreV1().Pods(netpolNamespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		ip = p.Status.PodIP
		return podIsReady(p), nil
	})
	if err != nil {
		describePods(t, ctx, c.cs, netpolNamespace)
		t.Fatalf("pod %s not ready: %v", name, err)
	}
	return ip
}

// waitReach asks client, for up to a minute, to GET url until whether it answers is want
// (policies take effect within a second or two), and returns the last answer.
func waitReach(t *testing.T, c *testCluster, client, url string, want bool) bool {
	t.Helper()
	var got bool
	for deadline := time.Now().Add(time.Minute); ; {
		// kubelab-echo gives up on a connection after 5 s: a dropped SYN is "no".
		r := kubelab(t, c.env, "kubectl", "--name", c.name, "--", "exec", "-n", netpolNamespace, client, "--",
			"/usr/local/bin/kubelab-echo", "get", url)
		got = r.err == nil
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Second)
	}
}
