package cluster

import (
	"context"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubelab/kubelab/pkg/docker"
)

func TestLoadBalancerURLs(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer,
		Ports: []corev1.ServicePort{{Port: 80, NodePort: 31000}, {Port: 8443, NodePort: 31001}}}}
	if got := loadBalancerURLs(svc); len(got) != 0 {
		t.Errorf("pending Service: %v", got)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "172.30.64.1"}}
	want := []string{"http://172.30.64.1:80", "http://172.30.64.1:8443"}
	if got := loadBalancerURLs(svc); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	svc.Spec.Type = corev1.ServiceTypeNodePort
	if got := loadBalancerURLs(svc); len(got) != 0 {
		t.Errorf("NodePort Service: %v", got)
	}
}

// Each cluster on the network gets its own LoadBalancer block; a network without room
// for one costs the cluster only its LoadBalancer addresses.
func TestLoadBalancerBlock(t *testing.T) {
	f := newFake()
	f.nodes["a-control-plane"] = docker.Node{Name: "a-control-plane", Cluster: "a", LoadBalancerRange: "172.30.64.0/27"}
	f.nodes["old-control-plane"] = docker.Node{Name: "old-control-plane", Cluster: "old"} // made before LoadBalancers
	c := &creation{p: f, network: docker.Network{Name: NetworkName, Subnet: "172.30.0.0/16", IPRange: "172.30.128.0/17"}}
	if got, err := c.loadBalancerBlock(context.Background()); err != nil || got != "172.30.64.32/27" {
		t.Errorf("got %q, %v", got, err)
	}
	c.network.IPRange = ""
	if got, err := c.loadBalancerBlock(context.Background()); err != nil || got != "" || len(c.notices) != 1 {
		t.Errorf("network without IPRange: got %q, %v, notices %q", got, err, c.notices)
	}
}

func TestRegistryHosts(t *testing.T) {
	file, data := RegistryHosts(5001)
	if file != "/etc/containerd/certs.d/localhost:5001/hosts.toml" {
		t.Errorf("file %s", file)
	}
	for _, want := range []string{`server = "http://localhost:5001"`, `[host."http://kubelab-registry:5000"]`, `capabilities = ["pull", "resolve"]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("hosts.toml lacks %s:\n%s", want, data)
		}
	}
}
