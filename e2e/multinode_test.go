//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// TestMultiNode is issue 3's proof on 1 control plane + 2 workers: every node Ready;
// pods on every node reach each other by pod IP; a Service answers a pod on another node
// by short and full DNS name; outside names resolve; a NodePort answers from the host at
// `kubelab ip` and at every node's address.
func TestMultiNode(t *testing.T) {
	requireDocker(t)
	name := uniqueName("e2e-multi")
	kc := tempKubeconfig(t)
	env := []string{"KUBECONFIG=" + kc}
	t.Cleanup(func() { kubelab(t, env, "delete", "cluster", "--name", name) })
	// The shape comes from a TOML file, as a user would write it.
	hostPort, ingressPort := freeHostPort(t), freeHostPort(t)
	cfgPath := filepath.Join(t.TempDir(), "lab.toml")
	cfg := fmt.Sprintf(`name = %q
kubeadm_config_patches = ["kind: KubeletConfiguration\nmaxPods: 60\n"]

[addons]
metrics-server = false

[[nodes]]
role = "control-plane"
  [[nodes.port_mappings]]
  container_port = 30080
  host_port = %d
  [[nodes.port_mappings]]
  container_port = 80
  host_port = %d

[[nodes]]
role = "worker"
labels = { "kubelab.test/tier" = "apps" }

[[nodes]]
role = "worker"
`, name, hostPort, ingressPort)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kubelab(t, env, "create", "cluster", "--config", cfgPath, "--image", nodeImage, "--wait", "5m")
	if r.err != nil {
		t.Fatalf("create: %v", r.err)
	}
	t.Logf("FIGURE create cluster 1 control plane + 2 workers (--wait) wall time: %.1fs", r.took.Seconds())
	cs := clientset(t, kc, name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{name + "-control-plane", name + "-worker", name + "-worker2"}
	if got := nodeNames(nodes.Items); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("nodes %v, want %v", got, want)
	}
	for _, n := range nodes.Items {
		if !nodeReady(&n) {
			t.Errorf("node %s not Ready", n.Name)
		}
		// From the config file: the kubeadm patch and the node label.
		if pods := n.Status.Capacity.Pods().Value(); pods != 60 {
			t.Errorf("node %s: %d pods allowed, want 60 from the kubeadm patch", n.Name, pods)
		}
		if got, want := n.Labels["kubelab.test/tier"], map[bool]string{true: "apps"}[n.Name == name+"-worker"]; got != want {
			t.Errorf("node %s: label kubelab.test/tier=%q, want %q", n.Name, got, want)
		}
	}

	r = kubelab(t, env, "get", "nodes", "--name", name)
	for _, n := range want {
		if !strings.Contains(r.stdout, n) {
			t.Errorf("kubelab get nodes lacks %s:\n%s", n, r.stdout)
		}
	}

	t.Run("pods reach each other across nodes", func(t *testing.T) {
		ips := runEverywhere(t, ctx, cs)
		var urls []string
		for _, ip := range ips {
			urls = append(urls, "http://"+ip+":8080/")
		}
		for _, node := range want {
			out := runClientPodOn(t, ctx, cs, "ping-"+node[len(name)+1:], node, append([]string{"get", "-retry", "20s"}, urls...)...)
			if n := strings.Count(out, "Hello from kubelab-echo"); n != len(ips) {
				t.Errorf("from %s: %d of %d pods answered:\n%s", node, n, len(ips), out)
			}
		}
	})

	t.Run("service and DNS across nodes", func(t *testing.T) {
		deployEcho(t, ctx, cs, "web", name+"-worker")
		out := runClientPodOn(t, ctx, cs, "svc-client", name+"-worker2",
			"get", "-retry", "20s", "http://web/", "http://web.default/", "http://web.default.svc.cluster.local/")
		if strings.Count(out, "Hello from kubelab-echo") != 3 {
			t.Errorf("Service by short, namespaced and full name:\n%s", out)
		}
		// A name only Docker's DNS knows (a container on the kubelab network): CoreDNS
		// forwards it through the node to Docker's embedded resolver.
		out = runClientPodOn(t, ctx, cs, "dns-outside", name+"-worker", "lookup", "-retry", "30s", name+"-control-plane")
		if !strings.Contains(out, name+"-control-plane: 172.") && !strings.Contains(out, name+"-control-plane: 192.168.") {
			t.Errorf("a name outside the cluster did not resolve through Docker's DNS:\n%s", out)
		}
	})

	t.Run("nodeport from the host", func(t *testing.T) {
		svc, err := cs.CoreV1().Services("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web-np"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: 30080}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		port := svc.Spec.Ports[0].NodePort
		r := kubelab(t, env, "ip", "--name", name)
		ip := strings.TrimSpace(r.stdout)
		if r.err != nil || ip == "" {
			t.Fatalf("kubelab ip: %v %q", r.err, r.stdout)
		}
		addrs := []string{ip}
		for _, n := range want {
			r := kubelab(t, env, "ip", "--name", name, "--node", n)
			addrs = append(addrs, strings.TrimSpace(r.stdout))
		}
		if addrs[0] != addrs[1] {
			t.Errorf("kubelab ip (%s) is not the first control plane's address (%s)", addrs[0], addrs[1])
		}
		var urls []string
		for _, a := range addrs {
			urls = append(urls, fmt.Sprintf("http://%s:%d/", a, port))
		}
		// The config file's port mapping publishes the NodePort on the host's loopback.
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d/", hostPort))
		for _, u := range urls {
			if body := httpGetRetry(t, u); !strings.Contains(body, "Hello from kubelab-echo") {
				t.Errorf("%s answered:\n%s", u, body)
			}
		}
	})

	t.Run("addons from the config file", func(t *testing.T) {
		r := kubelab(t, env, "addons", "list", "--name", name, "-o", "json")
		var states []struct {
			Name    string
			Enabled bool
			Ready   bool
		}
		if err := json.Unmarshal([]byte(r.stdout), &states); err != nil {
			t.Fatalf("addons list -o json: %v\n%s%s", err, r.stdout, r.stderr)
		}
		got := map[string]bool{}
		for _, s := range states {
			got[s.Name] = s.Enabled && s.Ready
		}
		if want := map[string]bool{"storage": true, "ingress": true, "metrics-server": false}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("add-ons enabled and ready: %v, want %v", got, want)
		}
	})

	t.Run("ingress at the mapped host port", func(t *testing.T) {
		pathType := networkingv1.PathTypePrefix
		_, err := cs.NetworkingV1().Ingresses("default").Create(ctx, &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "web.example",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &pathType,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				}}}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The Service "web" of the subtest above runs on a worker; Traefik on the control plane.
		if body := httpGetHost(t, fmt.Sprintf("http://127.0.0.1:%d/", ingressPort), "web.example", 200); !strings.Contains(body, "Hello from kubelab-echo") {
			t.Errorf("ingress through 127.0.0.1:%d answered %q", ingressPort, body)
		}
	})
}

// TestHighAvailability is issue 3's HA proof: 3 control planes + 1 worker behind the load
// balancer; with one control-plane container stopped the API still answers.
func TestHighAvailability(t *testing.T) {
	api := requireDocker(t)
	name := uniqueName("e2e-ha")
	kc := tempKubeconfig(t)
	env := []string{"KUBECONFIG=" + kc}
	t.Cleanup(func() { kubelab(t, env, "delete", "cluster", "--name", name) })
	r := kubelab(t, env, "create", "cluster", "--name", name, "--image", nodeImage, "--control-planes", "3", "--workers", "1", "--wait", "8m")
	if r.err != nil {
		t.Fatalf("create: %v", r.err)
	}
	t.Logf("FIGURE create cluster 3 control planes + 1 worker (--wait) wall time: %.1fs", r.took.Seconds())
	cs := clientset(t, kc, name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 4 {
		t.Fatalf("nodes: %v %v", err, nodeNames(nodes.Items))
	}
	r = kubelab(t, env, "get", "nodes", "--name", name)
	if !strings.Contains(r.stdout, name+"-external-load-balancer") {
		t.Errorf("no load balancer in kubelab get nodes:\n%s", r.stdout)
	}

	if err := api.ContainerStop(ctx, name+"-control-plane", container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	// The load balancer notices within a second; every request after that must work.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("API unreachable with one control plane down: %v", err)
	}
	for i := 0; i < 10; i++ {
		if _, err := cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil {
			t.Errorf("request %d with a control plane down: %v", i, err)
		}
	}
	// Writes need an etcd quorum: 2 of 3 members are left.
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "written-during-outage"}, Data: map[string]string{"k": "v"},
	}, metav1.CreateOptions{}); err != nil {
		t.Errorf("write with a control plane down: %v", err)
	}
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

// runClientPodOn runs kubelab-echo with args in a pod on node and returns its output.
func runClientPodOn(t *testing.T, ctx context.Context, cs kubernetes.Interface, podName, node string, args ...string) string {
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
		t.Errorf("pod %s on %s ended %q (%v); logs (%v):\n%s", podName, node, phase, err, logErr, logs)
	}
	return string(logs)
}

func podIsReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// httpGetRetry fetches url from the host, retrying for a few seconds while kube-proxy
// programs a new Service.
func httpGetRetry(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		resp, err := c.Get(url)
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	t.Errorf("GET %s: %v", url, last)
	return ""
}

// freeHostPort finds a free port on 127.0.0.1 for a port mapping.
func freeHostPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestCreateRejectsBadConfig: a config file error names file, line and column, and
// nothing is created.
func TestCreateRejectsBadConfig(t *testing.T) {
	api := requireDocker(t)
	name := uniqueName("e2e-badcfg")
	kc := tempKubeconfig(t)
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("name = \""+name+"\"\n[[nodes]]\nrole = \"control-plane\"\nports = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--config", path, "--image", nodeImage)
	if r.err == nil {
		t.Fatal("a config with an unknown key was accepted")
	}
	assertOneLineError(t, r.stderr, path+":4:1: unknown key \"nodes.ports\"")
	if err := os.WriteFile(path, []byte("name = \""+name+"\"\n[[nodes]]\nrole = \"master\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = kubelab(t, []string{"KUBECONFIG=" + kc}, "create", "cluster", "--config", path, "--image", nodeImage)
	assertOneLineError(t, r.stderr, "nodes[0].role")
	assertNothingLeft(t, api, kc, name)
}
