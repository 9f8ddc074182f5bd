package cluster

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/docker"
)

// ServiceURLs gives, for each port of a Service, http://<external ip>:<port> once a
// LoadBalancer Service has its address, else http://<node ip>:<nodePort> (NodePort
// Services, and LoadBalancer Services still pending).
func ServiceURLs(ctx context.Context, p docker.Provider, cluster, namespace, service string) ([]string, error) {
	cs, err := Client(ctx, p, cluster)
	if err != nil {
		return nil, err
	}
	svc, err := cs.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("service %s in namespace %s: %w", service, namespace, err)
	}
	if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil, fmt.Errorf("service %s is of type %s and has no port on the nodes: use `kubectl expose ... --type=NodePort` (or LoadBalancer), or `kubectl port-forward svc/%s LOCAL:PORT`", service, svc.Spec.Type, service)
	}
	if urls := loadBalancerURLs(svc); len(urls) > 0 {
		return urls, nil
	}
	ip, err := NodeIP(ctx, p, cluster, "")
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, port := range svc.Spec.Ports {
		if port.NodePort != 0 {
			urls = append(urls, fmt.Sprintf("http://%s:%d", ip, port.NodePort))
		}
	}
	if len(urls) == 0 {
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			return nil, fmt.Errorf("service %s has no external IP yet (see `kubectl describe service %s` for why) and no node ports", service, service)
		}
		return nil, fmt.Errorf("service %s has no node ports yet", service)
	}
	return urls, nil
}

// loadBalancerURLs are a LoadBalancer Service's http://<external ip>:<port>, for each
// address of its status and each of its ports.
func loadBalancerURLs(svc *corev1.Service) []string {
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil
	}
	var urls []string
	for _, in := range svc.Status.LoadBalancer.Ingress {
		host := in.IP
		if host == "" {
			host = in.Hostname
		}
		if host == "" {
			continue
		}
		for _, port := range svc.Spec.Ports {
			urls = append(urls, "http://"+net.JoinHostPort(host, strconv.Itoa(int(port.Port))))
		}
	}
	return urls
}
