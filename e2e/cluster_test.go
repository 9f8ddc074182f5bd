//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestClusterLifecycle: a single-node cluster is created with a kubeconfig context that
// leaves an unrelated one alone; its node and every system component run; a workload
// answers HTTP inside the cluster; the get commands describe it; a second cluster of the
// same name is refused without harm; and delete leaves nothing behind.
func TestClusterLifecycle(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "e2e")
	// An unrelated context in the same file must survive create and delete.
	if err := os.WriteFile(c.kubeconfig, []byte(otherKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.create(t, "--name", c.name, "--wait", "5m")
	t.Logf("FIGURE create cluster (single node, --wait) wall time: %.1fs", r.took.Seconds())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("kubeconfig", func(t *testing.T) { checkCreatedKubeconfig(t, c) })
	t.Run("node ready", func(t *testing.T) { checkSingleNode(t, ctx, c) })
	t.Run("system components running", func(t *testing.T) { checkSystemComponents(t, ctx, c) })
	t.Run("workload answers HTTP inside the cluster", func(t *testing.T) { checkWorkloadHTTP(t, ctx, api, c) })
	t.Run("preloaded layers stay in the image", func(t *testing.T) { checkPreloadedLayers(t, api, c) })
	t.Run("get commands", func(t *testing.T) { checkGetCommands(t, ctx, c) })
	t.Run("same name is refused", func(t *testing.T) { checkSameNameRefused(t, ctx, c) })
	t.Run("delete leaves nothing", func(t *testing.T) { checkDeleteLeavesNothing(t, api, c) })
}

// The new context is current and points at 127.0.0.1; the unrelated context is kept;
// the file is private.
func checkCreatedKubeconfig(t *testing.T, c *testCluster) {
	cfg, err := clientcmd.LoadFromFile(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "kubelab-"+c.name {
		t.Errorf("current context %q, want kubelab-%s", cfg.CurrentContext, c.name)
	}
	if srv := cfg.Clusters["kubelab-"+c.name].Server; !strings.HasPrefix(srv, "https://127.0.0.1:") {
		t.Errorf("server %q is not on 127.0.0.1", srv)
	}
	if cfg.Contexts["other"] == nil {
		t.Error("the unrelated context was lost")
	}
	if st, _ := os.Stat(c.kubeconfig); st.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode %v", st.Mode().Perm())
	}
}

// The one node is Ready, runs the expected kubelet and containerd v2, and takes
// workloads (no control-plane taint).
func checkSingleNode(t *testing.T, ctx context.Context, c *testCluster) {
	nodes, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 1 || nodes.Items[0].Name != c.name+"-control-plane" {
		t.Fatalf("nodes: %v", nodeNames(nodes.Items))
	}
	n := nodes.Items[0]
	if !nodeReady(&n) {
		t.Errorf("node %s is not Ready: %+v", n.Name, n.Status.Conditions)
	}
	if v := n.Status.NodeInfo.KubeletVersion; v != "v1.37.2" {
		t.Errorf("kubelet version %q", v)
	}
	if rt := n.Status.NodeInfo.ContainerRuntimeVersion; !strings.HasPrefix(rt, "containerd://2.") {
		t.Errorf("container runtime %q, want containerd v2", rt)
	}
	for _, taint := range n.Spec.Taints {
		if taint.Key == "node-role.kubernetes.io/control-plane" {
			t.Errorf("single-node control plane still tainted: %v", n.Spec.Taints)
		}
	}
}

// The preloaded images' layers are read from the node image, not copied to the node's
// /var volume: containerd's snapshot directory there holds links to them (and the layers
// of images pulled or loaded later), so the volume stays small.
func checkPreloadedLayers(t *testing.T, api *client.Client, c *testCluster) {
	node := c.name + "-control-plane"
	snapshots := "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
	links := strings.TrimSpace(dockerExec(t, api, node, "sh", "-c", "find "+snapshots+" -maxdepth 1 -type l | wc -l"))
	if n, err := strconv.Atoi(links); err != nil || n < 10 {
		t.Errorf("%s holds %q links to preloaded layers, want at least 10", snapshots, links)
	}
	used := strings.Fields(dockerExec(t, api, node, "du", "-sm", "/var/lib/containerd"))
	if len(used) == 0 {
		t.Fatal("du printed nothing")
	}
	if mib, err := strconv.Atoi(used[0]); err != nil || mib > 200 {
		t.Errorf("/var/lib/containerd holds %v MiB on the node's volume, want the preloaded layers (about 740 MB) left out", used)
	}
}

// Every control-plane component, kube-proxy and CoreDNS has a running pod, and the API
// server is the expected version.
func checkSystemComponents(t *testing.T, ctx context.Context, c *testCluster) {
	pods, err := c.cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]int{}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns"} {
				if strings.HasPrefix(p.Name, comp+"-") {
					running[comp]++
				}
			}
		}
	}
	for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns"} {
		if running[comp] == 0 {
			t.Errorf("%s is not running (running: %v)", comp, running)
		}
	}
	// One node: one CoreDNS replica (kubeadm's second would sit on the same node).
	dns, err := c.cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil || dns.Spec.Replicas == nil || *dns.Spec.Replicas != 1 || running["coredns"] != 1 {
		t.Errorf("CoreDNS on a single node: %v, %d pods running", err, running["coredns"])
	}
	ver, err := c.cs.Discovery().ServerVersion()
	if err != nil || ver.GitVersion != "v1.37.2" {
		t.Errorf("server version %v, %v", ver, err)
	}
	// The running kubelet took kubelab's settings (its /configz, through the API server).
	raw, err := c.cs.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", c.name+"-control-plane", "proxy", "configz").DoRaw(ctx)
	if err != nil {
		t.Fatalf("kubelet configz: %v", err)
	}
	for _, want := range []string{`"ReduceDefaultCrashLoopBackOffDecay":true`, `"maxContainerRestartPeriod":"1m0s"`, `"failCgroupV1":false`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("kubelet configz lacks %s:\n%s", want, raw)
		}
	}
}

// An echo server answers another pod through its Service's short and full DNS names
// (kube-proxy), and the node itself at the pod's IP.
func checkWorkloadHTTP(t *testing.T, ctx context.Context, api *client.Client, c *testCluster) {
	podIP := deployEcho(t, ctx, c.cs, "web", "")
	// 1. From another pod, through the Service's DNS names and kube-proxy.
	logs := runClientPod(t, ctx, c.cs, "client", "", "get", "-retry", "20s", "http://web/", "http://web.default.svc.cluster.local/")
	if strings.Count(logs, "Hello from kubelab-echo") != 2 || !strings.Contains(logs, "pod:    web-") {
		t.Errorf("client pod got:\n%s", logs)
	}
	// 2. From the node itself, to the pod's IP.
	out := dockerExec(t, api, c.name+"-control-plane", "curl", "-sS", "--max-time", "10", "http://"+podIP+":8080/from-node")
	if !strings.Contains(out, "request: GET /from-node") {
		t.Errorf("curl from the node to %s got:\n%s", podIP, out)
	}
}

// get clusters (table and JSON), get nodes and get kubeconfig describe the cluster; the
// printed kubeconfig reaches it.
func checkGetCommands(t *testing.T, ctx context.Context, c *testCluster) {
	r := kubelab(t, c.env, "get", "clusters")
	if r.err != nil || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(c.name)+`\s+running\s+1$`).MatchString(r.stdout) {
		t.Errorf("get clusters: %v %q", r.err, r.stdout)
	}
	r = kubelab(t, c.env, "get", "clusters", "-o", "json")
	if r.err != nil || !strings.Contains(r.stdout, `"name": "`+c.name+`"`) || !strings.Contains(r.stdout, `"state": "running"`) {
		t.Errorf("get clusters -o json: %v %q", r.err, r.stdout)
	}
	r = kubelab(t, c.env, "get", "nodes", "--name", c.name)
	if r.err != nil || !strings.Contains(r.stdout, c.name+"-control-plane") || !strings.Contains(r.stdout, "running") {
		t.Errorf("get nodes: %v %q", r.err, r.stdout)
	}
	r = kubelab(t, c.env, "get", "kubeconfig", "--name", c.name)
	if r.err != nil {
		t.Fatalf("get kubeconfig: %v", r.err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(r.stdout))
	if err != nil {
		t.Fatalf("printed kubeconfig does not load: %v", err)
	}
	other, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil {
		t.Errorf("printed kubeconfig does not reach the cluster: %v", err)
	}
}

// A second create with the same name fails with one clear line, leaves the kubeconfig
// as it was and the running cluster answering.
func checkSameNameRefused(t *testing.T, ctx context.Context, c *testCluster) {
	before, _ := os.ReadFile(c.kubeconfig)
	r := kubelab(t, c.env, "create", "cluster", "--name", c.name, "--image", nodeImage)
	if r.err == nil {
		t.Fatal("a second cluster with the same name was created")
	}
	assertOneLineError(t, r.stderr, "already exists")
	after, _ := os.ReadFile(c.kubeconfig)
	if !bytes.Equal(before, after) {
		t.Error("the refused create changed the kubeconfig")
	}
	if _, err := c.cs.CoreV1().Nodes().Get(ctx, c.name+"-control-plane", metav1.GetOptions{}); err != nil {
		t.Errorf("the existing cluster stopped answering after the refused create: %v", err)
	}
}

// delete removes every container, volume and kubeconfig entry of the cluster, and only
// those.
func checkDeleteLeavesNothing(t *testing.T, api *client.Client, c *testCluster) {
	r := kubelab(t, c.env, "delete", "cluster", "--name", c.name)
	if r.err != nil {
		t.Fatalf("delete: %v", r.err)
	}
	assertNothingLeft(t, api, c.kubeconfig, c.name)
	cfg, err := clientcmd.LoadFromFile(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Contexts["other"] == nil || cfg.Clusters["other"] == nil {
		t.Error("delete removed an unrelated context")
	}
}

// otherKubeconfig is a user's own context, which kubelab must leave alone.
const otherKubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://other.example:6443
  name: other
contexts:
- context:
    cluster: other
    user: other
  name: other
current-context: other
users:
- name: other
  user:
    token: keep-me
`
