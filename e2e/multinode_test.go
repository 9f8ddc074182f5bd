//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
)

// multiNodeAPIAddress is where the multi-node cluster's configuration file publishes the
// API server: another loopback address than the default 127.0.0.1.
const multiNodeAPIAddress = "127.0.0.2"

// TestMultiNode: a 1 control plane + 2 workers cluster shaped by a TOML file has every
// node Ready with the file's kubelet patch and node label; its API server listens at the
// file's address, for the kubeconfig and for kubelab's own kubectl and addons commands;
// pods on every node reach each other by pod IP; a Service answers a pod on another node
// by short, namespaced and full DNS name; outside names resolve through Docker's DNS; a
// NodePort answers from the host at `kubelab ip`, at every node's address and at the
// file's port mapping; the file's add-ons are on; and an Ingress answers at the file's
// other port mapping; an image pushed to the file's local registry runs on a worker;
// NetworkPolicy is enforced (networkpolicy_test.go); a
// LoadBalancer Service answers from the host at its EXTERNAL-IP,
// also after the node holding that address stops.
func TestMultiNode(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "e2e-multi")
	// The create starts the registry its [registry] table asks for: removed even if the
	// create or the test fails half-way, so later tests find the host without one.
	deleteRegistryAtEnd(t, api, c)
	// The shape comes from a TOML file, as a user would write it.
	nodePortHost, ingressHost, registryHost := freeHostPort(t), freeHostPort(t), freeHostPort(t)
	cfgPath := writeMultiNodeConfig(t, c.name, nodePortHost, ingressHost, registryHost)
	r := c.create(t, "--config", cfgPath, "--wait", "5m")
	t.Logf("FIGURE create cluster 1 control plane + 2 workers (--wait) wall time: %.1fs", r.took.Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	nodes := []string{c.name + "-control-plane", c.name + "-worker", c.name + "-worker2"}
	checkMultiNodes(t, ctx, c, nodes)

	t.Run("API server at the configured address", func(t *testing.T) { checkAPIServerAddress(t, c, nodes) })
	t.Run("pods reach each other across nodes", func(t *testing.T) { checkPodsAcrossNodes(t, ctx, c, nodes) })
	// The Service and NodePort and Ingress subtests reach the echo server "web" on a worker.
	var webIP string
	if !t.Run("echo server web on a worker", func(t *testing.T) { webIP = deployEcho(t, ctx, c.cs, "web", c.name+"-worker") }) {
		t.FailNow()
	}
	t.Run("service and DNS across nodes", func(t *testing.T) { checkServiceAcrossNodes(t, ctx, c) })
	t.Run("nodeport from the host", func(t *testing.T) { checkNodePortFromHost(t, ctx, c, nodes, nodePortHost) })
	t.Run("addons from the config file", func(t *testing.T) { checkAddonsFromConfig(t, c) })
	t.Run("ingress at the mapped host port", func(t *testing.T) { checkIngressAtHostPort(t, ctx, c, ingressHost) })
	t.Run("local registry", func(t *testing.T) { checkLocalRegistry(t, ctx, c, c.name+"-worker2", registryHost) })
	t.Run("NetworkPolicy enforced", func(t *testing.T) { checkNetworkPolicy(t, ctx, c, webIP) })
	// Last: it stops a worker.
	t.Run("LoadBalancer Service", func(t *testing.T) { checkLoadBalancer(t, ctx, c, nodes) })
}

// writeMultiNodeConfig writes the TOML file of TestMultiNode's cluster: 1 control plane
// (publishing NodePort 30080 and the Ingress port 80 on the host) and 2 workers, one of
// them labelled, with the local registry on registryHost.
func writeMultiNodeConfig(t *testing.T, name string, nodePortHost, ingressHost, registryHost int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lab.toml")
	cfg := fmt.Sprintf(`name = %q
kubeadm_config_patches = ["kind: KubeletConfiguration\nmaxPods: 60\n"]

[networking]
api_server_address = %q

[addons]
metrics-server = false
dashboard = false

[registry]
host_port = %d

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
`, name, multiNodeAPIAddress, registryHost, nodePortHost, ingressHost)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkMultiNodes: the cluster has exactly the nodes want, each Ready with the config
// file's kubelet patch and node label, and `kubelab get nodes` lists them.
func checkMultiNodes(t *testing.T, ctx context.Context, c *testCluster, want []string) {
	t.Helper()
	nodes, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
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
		if got, want := n.Labels["kubelab.test/tier"], map[bool]string{true: "apps"}[n.Name == c.name+"-worker"]; got != want {
			t.Errorf("node %s: label kubelab.test/tier=%q, want %q", n.Name, got, want)
		}
	}
	r := kubelab(t, c.env, "get", "nodes", "--name", c.name)
	for _, n := range want {
		if !strings.Contains(r.stdout, n) {
			t.Errorf("kubelab get nodes lacks %s:\n%s", n, r.stdout)
		}
	}
}

// checkAPIServerAddress: with [networking] api_server_address set, the kubeconfig create
// writes and the one `kubelab get kubeconfig` prints point at that address, and the
// commands that reach the API server themselves (kubectl, addons list) work.
func checkAPIServerAddress(t *testing.T, c *testCluster, nodes []string) {
	prefix := "https://" + multiNodeAPIAddress + ":"
	written, err := clientcmd.LoadFromFile(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if srv := written.Clusters["kubelab-"+c.name].Server; !strings.HasPrefix(srv, prefix) {
		t.Errorf("create wrote server %q, want it on %s", srv, multiNodeAPIAddress)
	}
	r := kubelab(t, c.env, "get", "kubeconfig", "--name", c.name)
	if cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(r.stdout)); r.err != nil || err != nil {
		t.Errorf("get kubeconfig: %v; printed kubeconfig: %v", r.err, err)
	} else if !strings.HasPrefix(cfg.Host, prefix) {
		t.Errorf("get kubeconfig printed server %q, want it on %s", cfg.Host, multiNodeAPIAddress)
	}
	r = kubelab(t, c.env, "kubectl", "--name", c.name, "--", "get", "nodes")
	if r.err != nil {
		t.Errorf("kubelab kubectl -- get nodes: %v\n%s", r.err, r.stderr)
	}
	for _, n := range nodes {
		if !strings.Contains(r.stdout, n) {
			t.Errorf("kubelab kubectl -- get nodes lacks %s:\n%s", n, r.stdout)
		}
	}
	r = kubelab(t, c.env, "addons", "list", "--name", c.name)
	if r.err != nil || !strings.Contains(r.stdout, "storage") {
		t.Errorf("kubelab addons list: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
}

// checkPodsAcrossNodes: a pod on every node reaches the echo server on every node by pod
// IP.
func checkPodsAcrossNodes(t *testing.T, ctx context.Context, c *testCluster, nodes []string) {
	ips := runEverywhere(t, ctx, c.cs)
	var urls []string
	for _, ip := range ips {
		urls = append(urls, "http://"+ip+":8080/")
	}
	for _, node := range nodes {
		out := runClientPod(t, ctx, c.cs, "ping-"+node[len(c.name)+1:], node, append([]string{"get", "-retry", "20s"}, urls...)...)
		if n := strings.Count(out, "Hello from kubelab-echo"); n != len(ips) {
			t.Errorf("from %s: %d of %d pods answered:\n%s", node, n, len(ips), out)
		}
	}
}

// checkServiceAcrossNodes: a pod on one worker reaches the Service "web" of a pod on the
// other worker by short, namespaced and full name; a name only Docker's DNS knows
// resolves in a pod.
func checkServiceAcrossNodes(t *testing.T, ctx context.Context, c *testCluster) {
	out := runClientPod(t, ctx, c.cs, "svc-client", c.name+"-worker2",
		"get", "-retry", "20s", "http://web/", "http://web.default/", "http://web.default.svc.cluster.local/")
	if strings.Count(out, "Hello from kubelab-echo") != 3 {
		t.Errorf("Service by short, namespaced and full name:\n%s", out)
	}
	// A name only Docker's DNS knows (a container on the kubelab network): CoreDNS
	// forwards it through the node to Docker's embedded resolver.
	out = runClientPod(t, ctx, c.cs, "dns-outside", c.name+"-worker", "lookup", "-retry", "30s", c.name+"-control-plane")
	if !strings.Contains(out, c.name+"-control-plane: 172.") && !strings.Contains(out, c.name+"-control-plane: 192.168.") {
		t.Errorf("a name outside the cluster did not resolve through Docker's DNS:\n%s", out)
	}
}

// checkNodePortFromHost: a NodePort answers from the host at `kubelab ip` (the first
// control plane's address), at every node's address, and at the host port the config
// file maps to it.
func checkNodePortFromHost(t *testing.T, ctx context.Context, c *testCluster, nodes []string, nodePortHost int) {
	svc, err := c.cs.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web-np"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: 30080}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	port := svc.Spec.Ports[0].NodePort
	r := kubelab(t, c.env, "ip", "--name", c.name)
	ip := strings.TrimSpace(r.stdout)
	if r.err != nil || ip == "" {
		t.Fatalf("kubelab ip: %v %q", r.err, r.stdout)
	}
	addrs := []string{ip}
	for _, n := range nodes {
		r := kubelab(t, c.env, "ip", "--name", c.name, "--node", n)
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
	urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d/", nodePortHost))
	for _, u := range urls {
		if body := httpGetRetry(t, u); !strings.Contains(body, "Hello from kubelab-echo") {
			t.Errorf("%s answered:\n%s", u, body)
		}
	}
}

// checkAddonsFromConfig: storage, ingress and network-policy are enabled and ready,
// metrics-server and the dashboard are off, as the config file says.
func checkAddonsFromConfig(t *testing.T, c *testCluster) {
	r := kubelab(t, c.env, "addons", "list", "--name", c.name, "-o", "json")
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
	if want := map[string]bool{"storage": true, "ingress": true, "network-policy": true, "metrics-server": false, "dashboard": false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("add-ons enabled and ready: %v, want %v", got, want)
	}
}

// checkIngressAtHostPort: an Ingress to the Service "web" answers at the host port the
// config file maps to the control plane's port 80.
func checkIngressAtHostPort(t *testing.T, ctx context.Context, c *testCluster, ingressHost int) {
	pathType := networkingv1.PathTypePrefix
	_, err := c.cs.NetworkingV1().Ingresses("default").Create(ctx, &networkingv1.Ingress{
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
	// The Service "web" runs on a worker; Traefik on the control plane.
	if body := httpGetHost(t, fmt.Sprintf("http://127.0.0.1:%d/", ingressHost), "web.example", 200); !strings.Contains(body, "Hello from kubelab-echo") {
		t.Errorf("ingress through 127.0.0.1:%d answered %q", ingressHost, body)
	}
}

// TestHighAvailability: with 3 control planes + 1 worker behind the load balancer, the
// API keeps answering reads and writes when one control-plane container is stopped.
func TestHighAvailability(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "e2e-ha")
	r := c.create(t, "--name", c.name, "--control-planes", "3", "--workers", "1", "--wait", "8m")
	t.Logf("FIGURE create cluster 3 control planes + 1 worker (--wait) wall time: %.1fs", r.took.Seconds())
	cs := c.cs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 4 {
		t.Fatalf("nodes: %v %v", err, nodeNames(nodes.Items))
	}
	r = kubelab(t, c.env, "get", "nodes", "--name", c.name)
	if !strings.Contains(r.stdout, c.name+"-external-load-balancer") {
		t.Errorf("no load balancer in kubelab get nodes:\n%s", r.stdout)
	}

	if err := api.ContainerStop(ctx, c.name+"-control-plane", container.StopOptions{}); err != nil {
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
