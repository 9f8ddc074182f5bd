//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
)

// checkLoadBalancer (TestMultiNode, last: it stops a worker): a LoadBalancer Service for
// the echo server gets an address of the cluster's block within seconds, `kubelab
// service --url` prints it, the host gets HTTP 200 from it and exactly one node holds
// it; an address out of the block is refused with an Event; a Service beyond the last free
// address waits with an Event and gets the next one freed; deleting the Service frees
// the address (another Service can have it); stopping the node that holds it moves it
// to the other worker and the host still gets 200.
func checkLoadBalancer(t *testing.T, ctx context.Context, c *testCluster, nodes []string) {
	api := requireDocker(t)
	block := loadBalancerBlock(t, c)
	t.Logf("the cluster's LoadBalancer block: %s", block)
	deployEchoPair(t, ctx, c, "lb-echo")

	start := time.Now()
	ip := createLoadBalancer(t, ctx, c, "lb-echo", "")
	t.Logf("FIGURE LoadBalancer Service to EXTERNAL-IP %s: %.1fs", ip, time.Since(start).Seconds())
	if !block.Contains(ip) {
		t.Errorf("address %s is not in the cluster's block %s", ip, block)
	}
	url := "http://" + ip.String() + ":80"
	if out := strings.TrimSpace(kubelab(t, c.env, "service", "lb-echo", "--url", "--name", c.name).stdout); out != url {
		t.Errorf("kubelab service --url printed %q, want %q", out, url)
	}
	getOK(t, url+"/", time.Minute)
	t.Logf("FIGURE LoadBalancer Service to HTTP 200 from the host: %.1fs", time.Since(start).Seconds())
	holder := waitHolder(t, api, nodes, ip, "")
	if !strings.Contains(holder, "-worker") {
		t.Errorf("the control plane %s holds %s: workers should", holder, ip)
	}

	t.Run("loadBalancerIP out of range is refused", func(t *testing.T) {
		createLoadBalancerService(t, ctx, c, "lb-bad", "192.0.2.10")
		c.waitKubectl(t, "LoadBalancerIPNotInRange", "get", "events", "--field-selector", "involvedObject.name=lb-bad")
		svc, err := c.cs.CoreV1().Services("default").Get(ctx, "lb-bad", metav1.GetOptions{})
		if err != nil || len(svc.Status.LoadBalancer.Ingress) != 0 {
			t.Errorf("lb-bad: %v %+v", err, svc.Status.LoadBalancer)
		}
	})

	t.Run("range exhausted", func(t *testing.T) { checkRangeExhausted(t, ctx, c, block) })

	// Deleting the Service frees its address: the node lets it go, and a new Service
	// asking for exactly that address gets it.
	if err := c.cs.CoreV1().Services("default").Delete(ctx, "lb-echo", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHolder(t, api, nodes, ip, "none")
	if again := createLoadBalancer(t, ctx, c, "lb-echo-again", ip.String()); again != ip {
		t.Fatalf("the freed address %s went to %s", ip, again)
	}
	getOK(t, url+"/", time.Minute)
	holder = waitHolder(t, api, nodes, ip, "")

	// The holder stops: the other worker takes the address over.
	start = time.Now()
	if err := api.ContainerStop(ctx, holder, container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped %s in %.1fs", holder, time.Since(start).Seconds())
	var rest []string
	for _, n := range nodes {
		if n != holder {
			rest = append(rest, n)
		}
	}
	moved := waitHolder(t, api, rest, ip, "")
	t.Logf("FIGURE LoadBalancer address moved from %s to %s %.1fs after the stop began", holder, moved, time.Since(start).Seconds())
	getOK(t, url+"/", 3*time.Minute)
	t.Logf("FIGURE HTTP 200 again %.1fs after the stop began", time.Since(start).Seconds())
}

// checkRangeExhausted: Services take every free address of the block; the next one
// stays pending with a warning Event AllocationFailed and nothing crashes (no netd
// restarts, the earlier Services keep their addresses); once one address is freed, the
// pending Service gets it.
func checkRangeExhausted(t *testing.T, ctx context.Context, c *testCluster, block netip.Prefix) {
	restartsBefore := netdRestarts(t, ctx, c)
	held := map[string]bool{}
	svcs, err := c.cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		for _, in := range s.Status.LoadBalancer.Ingress {
			held[in.IP] = true
		}
	}
	var free int
	for a := block.Masked().Addr(); block.Contains(a); a = a.Next() {
		// The block's addresses, less those ending in .0 or .255 (see pkg/servicelb).
		if b := a.As4(); b[3] != 0 && b[3] != 255 && !held[a.String()] {
			free++
		}
	}
	t.Logf("%d addresses of %s free, %d held", free, block, len(held))
	var fills []string
	for i := 0; i < free; i++ {
		fills = append(fills, fmt.Sprintf("lb-fill-%d", i))
		createLoadBalancerService(t, ctx, c, fills[i], "")
	}
	defer func() {
		for _, n := range append(fills, "lb-over") {
			_ = c.cs.CoreV1().Services("default").Delete(context.WithoutCancel(ctx), n, metav1.DeleteOptions{})
		}
	}()
	got := map[string]string{}
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, n := range fills {
			s, err := c.cs.CoreV1().Services("default").Get(ctx, n, metav1.GetOptions{})
			if err == nil && len(s.Status.LoadBalancer.Ingress) == 1 {
				got[n] = s.Status.LoadBalancer.Ingress[0].IP
			}
		}
		return len(got) == len(fills), nil
	})
	if err != nil {
		t.Fatalf("%d of %d Services got an address: %v", len(got), len(fills), got)
	}
	createLoadBalancerService(t, ctx, c, "lb-over", "")
	ev := c.waitKubectl(t, "AllocationFailed", "get", "events", "--field-selector", "involvedObject.name=lb-over",
		"-o", "go-template={{range .items}}{{.type}} {{.reason}}: {{.message}}{{\"\\n\"}}{{end}}")
	if !strings.Contains(ev, "Warning AllocationFailed: no free address left in this cluster's LoadBalancer range "+block.String()) {
		t.Errorf("events of lb-over:\n%s", ev)
	}
	time.Sleep(2 * time.Second) // a crash would show by now
	if s, err := c.cs.CoreV1().Services("default").Get(ctx, "lb-over", metav1.GetOptions{}); err != nil || len(s.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("lb-over: %v %+v", err, s.Status.LoadBalancer)
	}
	if after := netdRestarts(t, ctx, c); after != restartsBefore {
		t.Errorf("kubelab-netd restarted: %d restarts before, %d after", restartsBefore, after)
	}
	if _, err := c.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("the API after the range ran out: %v", err)
	}
	// One address freed: the pending Service gets it.
	if err := c.cs.CoreV1().Services("default").Delete(ctx, fills[0], metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := c.cs.CoreV1().Services("default").Get(ctx, "lb-over", metav1.GetOptions{})
		return err == nil && len(s.Status.LoadBalancer.Ingress) == 1 && s.Status.LoadBalancer.Ingress[0].IP == got[fills[0]], nil
	})
	if err != nil {
		t.Errorf("lb-over did not get the freed address %s: %v", got[fills[0]], err)
	}
}

// netdRestarts sums the container restarts of the kubelab-netd pods.
func netdRestarts(t *testing.T, ctx context.Context, c *testCluster) int32 {
	t.Helper()
	pods, err := c.cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kubelab-netd"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("netd pods: %v (%d)", err, len(pods.Items))
	}
	var n int32
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			n += cs.RestartCount
		}
	}
	return n
}

// loadBalancerBlock reads the cluster's block from `kubelab get nodes -o json`.
func loadBalancerBlock(t *testing.T, c *testCluster) netip.Prefix {
	t.Helper()
	var list []struct {
		LoadBalancerRange string `json:"loadBalancerRange"`
	}
	r := kubelab(t, c.env, "get", "nodes", "--name", c.name, "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) == 0 {
		t.Fatalf("get nodes: %v %s", err, r.stdout)
	}
	p, err := netip.ParsePrefix(list[0].LoadBalancerRange)
	if err != nil {
		t.Fatalf("no LoadBalancer block on the nodes: %q", list[0].LoadBalancerRange)
	}
	return p
}

// deployEchoPair runs two echo servers on different nodes, so one survives a node stop.
func deployEchoPair(t *testing.T, ctx context.Context, c *testCluster, name string) {
	t.Helper()
	lbls := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec: corev1.PodSpec{Containers: []corev1.Container{echoContainer()},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: lbls}, TopologyKey: "kubernetes.io/hostname"}}}}},
			},
		},
	}
	if _, err := c.cs.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := c.cs.AppsV1().Deployments("default").Get(ctx, name, metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 2, nil
	})
	if err != nil {
		describePods(t, ctx, c.cs, "default")
		t.Fatalf("%s: %v", name, err)
	}
}

func createLoadBalancerService(t *testing.T, ctx context.Context, c *testCluster, name, requestIP string) {
	t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "lb-echo"},
			LoadBalancerIP: requestIP,
			Ports:          []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := c.cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createLoadBalancer creates a LoadBalancer Service for the echo pair and returns its
// address once its status has one (30 s at most: "within seconds").
func createLoadBalancer(t *testing.T, ctx context.Context, c *testCluster, name, requestIP string) netip.Addr {
	t.Helper()
	createLoadBalancerService(t, ctx, c, name, requestIP)
	var ip netip.Addr
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		svc, err := c.cs.CoreV1().Services("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(svc.Status.LoadBalancer.Ingress) == 0 {
			return false, nil
		}
		ip, err = netip.ParseAddr(svc.Status.LoadBalancer.Ingress[0].IP)
		return err == nil, nil
	})
	if err != nil {
		t.Log(c.kubectl(t, "describe", "service", name))
		t.Log(c.kubectl(t, "logs", "-n", "kube-system", "-l", "k8s-app=kubelab-netd", "--tail", "30", "--prefix"))
		t.Fatalf("%s got no EXTERNAL-IP: %v", name, err)
	}
	return ip
}

// getOK fetches url from the host until it answers 200 with the echo server's greeting.
func getOK(t *testing.T, url string, within time.Duration) {
	t.Helper()
	// A new connection each time, as curl makes (see httpGetRetry).
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last string
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		resp, err := hc.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.Contains(string(body), "Hello from kubelab-echo") {
			return
		}
		last = resp.Status + " " + string(body)
	}
	t.Fatalf("GET %s from the host: no 200 within %s; last: %s", url, within, last)
}

// waitHolder waits (90 s at most) until exactly one of nodes holds ip on eth0 and
// returns it; with want "none", until none does.
func waitHolder(t *testing.T, api *client.Client, nodes []string, ip netip.Addr, want string) string {
	t.Helper()
	var holders []string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		holders = nil
		for _, n := range nodes {
			if strings.Contains(dockerExec(t, api, n, "ip", "-o", "-4", "addr", "show", "dev", "eth0"), " "+ip.String()+"/32 ") {
				holders = append(holders, n)
			}
		}
		if want == "none" && len(holders) == 0 {
			return ""
		}
		if want == "" && len(holders) == 1 {
			return holders[0]
		}
	}
	t.Fatalf("holders of %s: %v (want %s)", ip, holders, map[string]string{"": "exactly one", "none": "none"}[want])
	return ""
}
