//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestClusterLifecycle is issue 2's proof: create a single-node cluster, check every
// component, run a workload that answers HTTP inside the cluster, refuse a second
// cluster of the same name, delete, and find nothing left.
func TestClusterLifecycle(t *testing.T) {
	api := requireDocker(t)
	name := uniqueName("e2e")
	kc := tempKubeconfig(t)
	// An unrelated context in the same file must survive create and delete.
	if err := os.WriteFile(kc, []byte(otherKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + kc}
	t.Cleanup(func() { kubelab(t, env, "delete", "cluster", "--name", name) })

	r := kubelab(t, env, "create", "cluster", "--name", name, "--image", nodeImage, "--wait", "5m")
	if r.err != nil {
		t.Fatalf("create failed: %v\n%s", r.err, r.stderr)
	}
	t.Logf("FIGURE create cluster (single node, --wait) wall time: %.1fs", r.took.Seconds())

	cs := clientset(t, kc, name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("kubeconfig", func(t *testing.T) {
		cfg, err := clientcmd.LoadFromFile(kc)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.CurrentContext != "kubelab-"+name {
			t.Errorf("current context %q, want kubelab-%s", cfg.CurrentContext, name)
		}
		if srv := cfg.Clusters["kubelab-"+name].Server; !strings.HasPrefix(srv, "https://127.0.0.1:") {
			t.Errorf("server %q is not on 127.0.0.1", srv)
		}
		if cfg.Contexts["other"] == nil {
			t.Error("the unrelated context was lost")
		}
		if st, _ := os.Stat(kc); st.Mode().Perm() != 0o600 {
			t.Errorf("kubeconfig mode %v", st.Mode().Perm())
		}
	})

	t.Run("node ready", func(t *testing.T) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes.Items) != 1 || nodes.Items[0].Name != name+"-control-plane" {
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
	})

	t.Run("system components running", func(t *testing.T) {
		pods, err := cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		running := map[string]int{}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				for _, c := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns"} {
					if strings.HasPrefix(p.Name, c+"-") {
						running[c]++
					}
				}
			}
		}
		for _, c := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns"} {
			if running[c] == 0 {
				t.Errorf("%s is not running (running: %v)", c, running)
			}
		}
		ver, err := cs.Discovery().ServerVersion()
		if err != nil || ver.GitVersion != "v1.37.2" {
			t.Errorf("server version %v, %v", ver, err)
		}
	})

	t.Run("workload answers HTTP inside the cluster", func(t *testing.T) {
		podIP := deployEcho(t, ctx, cs, "web", "")
		// 1. From another pod, through the Service's DNS names and kube-proxy.
		logs := runClientPod(t, ctx, cs, "http://web/", "http://web.default.svc.cluster.local/")
		if strings.Count(logs, "Hello from kubelab-echo") != 2 || !strings.Contains(logs, "pod:    web-") {
			t.Errorf("client pod got:\n%s", logs)
		}
		// 2. From the node itself, to the pod's IP.
		out := dockerExec(t, api, name+"-control-plane", "curl", "-sS", "--max-time", "10", "http://"+podIP+":8080/from-node")
		if !strings.Contains(out, "request: GET /from-node") {
			t.Errorf("curl from the node to %s got:\n%s", podIP, out)
		}
	})

	t.Run("get commands", func(t *testing.T) {
		r := kubelab(t, env, "get", "clusters")
		if r.err != nil || !containsLine(r.stdout, name) {
			t.Errorf("get clusters: %v %q", r.err, r.stdout)
		}
		r = kubelab(t, env, "get", "clusters", "-o", "json")
		if r.err != nil || !strings.Contains(r.stdout, `"name": "`+name+`"`) {
			t.Errorf("get clusters -o json: %v %q", r.err, r.stdout)
		}
		r = kubelab(t, env, "get", "nodes", "--name", name)
		if r.err != nil || !strings.Contains(r.stdout, name+"-control-plane") || !strings.Contains(r.stdout, "running") {
			t.Errorf("get nodes: %v %q", r.err, r.stdout)
		}
		r = kubelab(t, env, "get", "kubeconfig", "--name", name)
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
	})

	t.Run("same name is refused", func(t *testing.T) {
		before, _ := os.ReadFile(kc)
		r := kubelab(t, env, "create", "cluster", "--name", name, "--image", nodeImage)
		if r.err == nil {
			t.Fatal("a second cluster with the same name was created")
		}
		assertOneLineError(t, r.stderr, "already exists")
		after, _ := os.ReadFile(kc)
		if !bytes.Equal(before, after) {
			t.Error("the refused create changed the kubeconfig")
		}
		if _, err := cs.CoreV1().Nodes().Get(ctx, name+"-control-plane", metav1.GetOptions{}); err != nil {
			t.Errorf("the existing cluster stopped answering after the refused create: %v", err)
		}
	})

	t.Run("delete leaves nothing", func(t *testing.T) {
		r := kubelab(t, env, "delete", "cluster", "--name", name)
		if r.err != nil {
			t.Fatalf("delete: %v", r.err)
		}
		assertNothingLeft(t, api, kc, name)
		cfg, err := clientcmd.LoadFromFile(kc)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Contexts["other"] == nil || cfg.Clusters["other"] == nil {
			t.Error("delete removed an unrelated context")
		}
	})
}

// TestCreateFailsCleanlyWithoutDaemon: no Docker daemon is one clear line, and nothing
// is written.
func TestCreateFailsCleanlyWithoutDaemon(t *testing.T) {
	requireDocker(t) // the real daemon is up; this test points kubelab elsewhere
	kc := tempKubeconfig(t)
	r := kubelab(t, []string{"KUBECONFIG=" + kc, "DOCKER_HOST=unix:///nonexistent/docker.sock"},
		"create", "cluster", "--name", uniqueName("e2e-nodaemon"), "--image", nodeImage)
	if r.err == nil {
		t.Fatal("create succeeded without a daemon")
	}
	assertOneLineError(t, r.stderr, "Docker daemon")
	if _, err := os.Stat(kc); !os.IsNotExist(err) {
		t.Errorf("kubeconfig written although nothing was created: %v", err)
	}
}

// TestCreateFailsCleanlyWithoutImage: a missing node image says how to build it.
func TestCreateFailsCleanlyWithoutImage(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-noimage")
	r := kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--name", name, "--image", "kubelab/node:v0.0.0-missing")
	if r.err == nil {
		t.Fatal("create succeeded without an image")
	}
	assertOneLineError(t, r.stderr, "kubelab build node-image")
	assertNothingLeft(t, api, kc, name)
}

// TestCreateRollsBackOnFailure: a step failing half-way removes what was created. The
// API port is taken on purpose, so starting the node fails after the network and
// volume exist.
func TestCreateRollsBackOnFailure(t *testing.T) {
	api := requireDocker(t)
	kc := tempKubeconfig(t)
	name := uniqueName("e2e-rollback")
	busy, err := listenBusy()
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	r := kubelab(t, []string{"KUBECONFIG=" + kc},
		"create", "cluster", "--name", name, "--image", nodeImage, "--api-server-port", portOf(busy))
	if r.err == nil {
		t.Fatal("create succeeded on a busy port")
	}
	assertNothingLeft(t, api, kc, name)
}

func assertOneLineError(t *testing.T, stderr, want string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "ERROR:") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 || !strings.Contains(errLines[0], want) {
		t.Errorf("want one ERROR line mentioning %q, got:\n%s", want, stderr)
	}
}

// assertNothingLeft checks through the Docker API itself (not kubelab) that no
// container, volume or kubeconfig entry of the cluster remains, and that the kubelab
// network is gone when no other kubelab node uses it.
func assertNothingLeft(t *testing.T, api *client.Client, kubeconfigPath, name string) {
	t.Helper()
	ctx := context.Background()
	cs, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster="+name))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("container left: %v", c.Names)
	}
	byName, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("name", name+"-"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range byName {
		t.Errorf("container left: %v", c.Names)
	}
	vols, err := api.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name+"-"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vols.Volumes {
		t.Errorf("volume left: %s", v.Name)
	}
	others, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(others) == 0 {
		if _, err := api.NetworkInspect(ctx, "kubelab", network.InspectOptions{}); err == nil {
			t.Error("network kubelab left although no kubelab node exists")
		}
	}
	if data, err := os.ReadFile(kubeconfigPath); err == nil {
		cfg, err := clientcmd.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		ctxName := "kubelab-" + name
		if cfg.Contexts[ctxName] != nil || cfg.Clusters[ctxName] != nil || cfg.AuthInfos[ctxName] != nil {
			t.Errorf("kubeconfig entries of %s left", ctxName)
		}
	}
}

func dockerExec(t *testing.T, api *client.Client, ctr string, cmd ...string) string {
	t.Helper()
	ctx := context.Background()
	ex, err := api.ContainerExecCreate(ctx, ctr, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := api.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer att.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, att.Reader); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return out.String()
}

// runClientPod runs kubelab-echo as a client in a pod and returns its output.
func runClientPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, urls ...string) string {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "client", Image: "kubelab/echo:1.0", Args: append([]string{"get", "-retry", "20s"}, urls...),
			}},
		},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var phase corev1.PodPhase
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "client", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		phase = p.Status.Phase
		return phase == corev1.PodSucceeded || phase == corev1.PodFailed, nil
	})
	logs, _ := cs.CoreV1().Pods("default").GetLogs("client", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || phase != corev1.PodSucceeded {
		describePods(t, ctx, cs, "default")
		t.Fatalf("client pod ended %q (%v):\n%s", phase, err, logs)
	}
	return string(logs)
}

func describePods(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns string) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, p := range pods.Items {
		t.Logf("pod %s: phase %s, conditions %+v, statuses %+v", p.Name, p.Status.Phase, p.Status.Conditions, p.Status.ContainerStatuses)
	}
	events, _ := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	for _, e := range events.Items {
		t.Logf("event %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message)
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func nodeNames(nodes []corev1.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

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

// listenBusy holds a port on 127.0.0.1 so that publishing the API server there fails.
func listenBusy() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func portOf(l net.Listener) string { return strconv.Itoa(l.Addr().(*net.TCPAddr).Port) }
