package cluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/docker"
)

// ServiceURLs gives http://<node ip>:<nodePort> for each port of a NodePort or
// LoadBalancer Service.
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
		return nil, fmt.Errorf("service %s is of type %s and has no port on the nodes: use `kubectl expose ... --type=NodePort`, or `kubectl port-forward svc/%s LOCAL:PORT`", service, svc.Spec.Type, service)
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
		return nil, fmt.Errorf("service %s has no node ports yet", service)
	}
	return urls, nil
}
