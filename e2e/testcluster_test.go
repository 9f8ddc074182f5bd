//go:build e2e

package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// testCluster is a cluster one test creates: its name, its own kubeconfig file, the
// environment that points kubelab at that file, and, once created, a client of its API.
type testCluster struct {
	name       string
	kubeconfig string
	env        []string
	cs         *kubernetes.Clientset
}

// newTestCluster names a cluster after prefix and deletes it when the test ends,
// whether or not it got created.
func newTestCluster(t *testing.T, prefix string) *testCluster {
	t.Helper()
	c := &testCluster{name: uniqueName(prefix), kubeconfig: tempKubeconfig(t)}
	c.env = []string{"KUBECONFIG=" + c.kubeconfig}
	t.Cleanup(func() { kubelab(t, c.env, "delete", "cluster", "--name", c.name) })
	return c
}

// create runs `kubelab create cluster --image <node image>` with args (which name the
// cluster, by --name or --config), fails the test if it fails, and connects c.cs.
func (c *testCluster) create(t *testing.T, args ...string) result {
	t.Helper()
	r := kubelab(t, c.env, append([]string{"create", "cluster", "--image", nodeImage}, args...)...)
	if r.err != nil {
		t.Fatalf("create: %v\n%s", r.err, r.stderr)
	}
	c.cs = clientset(t, c.kubeconfig, c.name)
	return r
}

// kubectl runs `kubelab kubectl` on the cluster and fails the test if it fails.
func (c *testCluster) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	r := kubelab(t, c.env, append([]string{"kubectl", "--name", c.name, "--"}, args...)...)
	if r.err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// waitKubectl retries a kubectl command (2 minutes at most) until its output matches re.
func (c *testCluster) waitKubectl(t *testing.T, re string, args ...string) string {
	t.Helper()
	var out string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		r := kubelab(t, c.env, append([]string{"kubectl", "--name", c.name, "--"}, args...)...)
		out = r.stdout + r.stderr
		if regexp.MustCompile(re).MatchString(out) {
			return out
		}
	}
	t.Fatalf("kubectl %s never matched %q; last output:\n%s", strings.Join(args, " "), re, out)
	return ""
}

// apply applies a manifest with `kubelab kubectl -- apply -f -` and fails the test if
// that fails.
func (c *testCluster) apply(t *testing.T, manifest string) {
	t.Helper()
	if r := kubelabStdin(t, c.env, manifest, "kubectl", "--name", c.name, "--", "apply", "-f", "-"); r.err != nil {
		t.Fatalf("apply: %v %s", r.err, r.stderr)
	}
}

// ip is `kubelab ip`: the first control plane's address.
func (c *testCluster) ip(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(kubelab(t, c.env, "ip", "--name", c.name).stdout)
}
