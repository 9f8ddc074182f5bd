//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/clientcmd"
)

// TestStopStart: a 1+1 cluster with an echo server behind a NodePort Service and an
// Ingress, and a file on a PersistentVolume (lifecycleApp), is stopped (its containers exit, `kubelab status` says stopped)
// and started again: its nodes are Ready at the same addresses, the API server on the
// same host port (the kubeconfig written at create still works), the app answers from
// the host through the NodePort and the Ingress, and the file is still there. A start while another program holds the
// API server's port fails with one line naming the port. A second start says it is
// running already.
func TestStopStart(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "lc-ss")
	c.create(t, "--config", writeStopStartConfig(t, c.name), "--wait", "5m")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	app := deployLifecycleApp(t, ctx, c)
	t.Run("create with the name in use", func(t *testing.T) { assertNameInUseRefused(t, c) })
	ipsBefore := containerIPs(t, api, c.name)
	serverBefore := kubeconfigServer(t, c)

	r := kubelab(t, c.env, "stop", "--name", c.name)
	if r.err != nil {
		t.Fatalf("stop: %v\n%s", r.err, r.stderr)
	}
	t.Logf("FIGURE stop (1+1) wall time: %.1fs", r.took.Seconds())
	for name, state := range containerStates(t, api, c.name) {
		if state != "exited" {
			t.Errorf("after stop, container %s is %s", name, state)
		}
	}
	if st := statusOf(t, c); st.State != "stopped" {
		t.Errorf("status after stop: %+v", st)
	}
	if r := kubelab(t, c.env, "stop", "--name", c.name); r.err != nil || !strings.Contains(r.stderr, "already stopped") {
		t.Errorf("a second stop: %v\n%s", r.err, r.stderr)
	}

	// A program that took the API server's port meanwhile: one clear line naming it.
	port := serverBefore[strings.LastIndex(serverBefore, ":")+1:]
	if l, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
		t.Errorf("take the API port: %v", err)
	} else {
		r := kubelab(t, c.env, "start", "--name", c.name)
		l.Close()
		if r.err == nil {
			t.Error("start succeeded with the API server's port taken")
		}
		assertOneLineError(t, r.stderr, "127.0.0.1:"+port+" is taken")
	}

	r = kubelab(t, c.env, "start", "--name", c.name, "--wait", "5m")
	if r.err != nil {
		t.Fatalf("start: %v\n%s", r.err, r.stderr)
	}
	t.Logf("FIGURE start (1+1, --wait) wall time: %.1fs", r.took.Seconds())

	t.Run("same addresses and API port", func(t *testing.T) {
		if after := containerIPs(t, api, c.name); fmt.Sprint(after) != fmt.Sprint(ipsBefore) {
			t.Errorf("node addresses changed: %v, then %v", ipsBefore, after)
		}
		if after := kubeconfigServer(t, c); after != serverBefore {
			t.Errorf("API server moved from %s to %s", serverBefore, after)
		}
	})
	t.Run("nodes ready", func(t *testing.T) {
		// Through the client made from the kubeconfig written at create.
		nodes, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes.Items {
			if !nodeReady(&n) {
				t.Errorf("node %s not Ready after start: %+v", n.Name, n.Status.Conditions)
			}
		}
		if st := statusOf(t, c); st.State != "running" || len(st.Nodes) != 2 {
			t.Errorf("status after start: %+v", st)
		}
	})
	t.Run("NodePort and Ingress answer from the host", func(t *testing.T) {
		if err := app.waitAnswers(time.Minute); err != nil {
			t.Errorf("after the start: %v", err)
		}
	})
	t.Run("persistent volume kept its file", func(t *testing.T) { app.checkFile(t, "reader") })
	t.Run("export logs", func(t *testing.T) {
		dir := t.TempDir()
		r := kubelab(t, c.env, "export", "logs", "--name", c.name, dir)
		if r.err != nil || strings.TrimSpace(r.stdout) != dir {
			t.Fatalf("export logs: %v, printed %q", r.err, r.stdout)
		}
		cp := filepath.Join(dir, c.name+"-control-plane")
		for _, f := range []string{"docker-inspect.json", "kubelet.log", "containerd.log", "journal.log", "containers.txt", "../events.txt", "../pods.txt"} {
			if st, err := os.Stat(filepath.Join(cp, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s missing or empty: %v", f, err)
			}
		}
		if m, _ := filepath.Glob(filepath.Join(cp, "pods", "kube-system_kube-apiserver-*", "kube-apiserver", "*.log")); len(m) == 0 {
			t.Error("no kube-apiserver log among the pod logs")
		}
		// kubeadm's own output, kept in each node since the create.
		for node, want := range map[string]string{
			c.name + "-control-plane": "control-plane has initialized successfully",
			c.name + "-worker":        "This node has joined the cluster",
		} {
			data, err := os.ReadFile(filepath.Join(dir, node, "kubeadm.log"))
			if err != nil || !strings.Contains(string(data), want) {
				t.Errorf("%s/kubeadm.log lacks %q: %v\n%s", node, want, err, data)
			}
		}
	})
	t.Run("start again says running", func(t *testing.T) {
		r := kubelab(t, c.env, "start", "--name", c.name)
		if r.err != nil || !strings.Contains(r.stderr, "already running") {
			t.Errorf("a second start: %v\n%s", r.err, r.stderr)
		}
	})
}

// writeStopStartConfig is the lifecycle tests' cluster: 1 control plane and 1 worker,
// with the storage and ingress add-ons only (the others would only slow the restart
// down).
func writeStopStartConfig(t *testing.T, name string) string {
	t.Helper()
	return writeStorageIngressConfig(t, name, 1, 1)
}

// writeStorageIngressConfig writes a cluster configuration of that many control planes
// and workers, with the storage and ingress add-ons only.
func writeStorageIngressConfig(t *testing.T, name string, controlPlanes, workers int) string {
	t.Helper()
	cfg := fmt.Sprintf("name = %q\n\n[addons]\nmetrics-server = false\ndashboard = false\n", name)
	for i := 0; i < controlPlanes+workers; i++ {
		role := "worker"
		if i < controlPlanes {
			role = "control-plane"
		}
		cfg += fmt.Sprintf("\n[[nodes]]\nrole = %q\n", role)
	}
	return writeLabConfig(t, cfg)
}

// pvWriter writes a file on a PersistentVolume of the default StorageClass.
const pvWriter = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  restartPolicy: Never
  containers: [{name: w, image: "busybox:1.35", command: [sh, -c, "echo kept-on-disk > /data/file"], volumeMounts: [{name: d, mountPath: /data}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`

// exposeNodePort puts a NodePort Service in front of the pods labelled app=name and
// returns its port.
func exposeNodePort(t *testing.T, ctx context.Context, c *testCluster, name string) int32 {
	t.Helper()
	svc, err := c.cs.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-np"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Spec.Ports[0].NodePort
}

// containerStates maps each container of a cluster to its state, from the Docker API.
func containerStates(t *testing.T, api *client.Client, cluster string) map[string]string {
	t.Helper()
	list, err := api.ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster="+cluster))})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ct := range list {
		out[strings.TrimPrefix(ct.Names[0], "/")] = ct.State
	}
	if len(out) == 0 {
		t.Fatalf("cluster %s has no containers", cluster)
	}
	return out
}

// containerIPs maps each running container of a cluster to its address on the kubelab
// network, from the Docker API.
func containerIPs(t *testing.T, api *client.Client, cluster string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range containerStates(t, api, cluster) {
		info, err := api.ContainerInspect(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if ep := info.NetworkSettings.Networks["kubelab"]; ep != nil {
			out[name] = ep.IPAddress
		}
	}
	return out
}

// kubeconfigServer is the API server URL of the cluster's context in its kubeconfig file.
func kubeconfigServer(t *testing.T, c *testCluster) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cl := cfg.Clusters["kubelab-"+c.name]
	if cl == nil {
		t.Fatalf("no cluster kubelab-%s in %s", c.name, c.kubeconfig)
	}
	return cl.Server
}

// clusterStatus is the part of `kubelab status -o json` the tests read.
type clusterStatus struct {
	State          string `json:"state"`
	APIAnswering   bool   `json:"apiAnswering"`
	ContextPresent bool   `json:"contextPresent"`
	Nodes          []struct {
		Name, Container, IP, Kubelet, Ready string
	} `json:"nodes"`
}

// statusOf runs `kubelab status -o json` on the cluster.
func statusOf(t *testing.T, c *testCluster) clusterStatus {
	t.Helper()
	r := kubelab(t, c.env, "status", "--name", c.name, "-o", "json")
	if r.err != nil {
		t.Fatalf("status: %v\n%s", r.err, r.stderr)
	}
	var st clusterStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r.stdout)
	}
	return st
}
