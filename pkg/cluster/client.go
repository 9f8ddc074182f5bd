package cluster

import (
	"context"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	api "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubelab/kubelab/pkg/docker"
)

// Client connects to a cluster with its admin credentials, independent of the user's
// kubeconfig file.
func Client(ctx context.Context, p docker.Provider, name string) (kubernetes.Interface, error) {
	rc, err := RESTConfig(ctx, p, name)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(rc)
}

// RESTConfig is the admin client configuration of a cluster.
func RESTConfig(ctx context.Context, p docker.Provider, name string) (*rest.Config, error) {
	data, err := AdminKubeconfig(ctx, p, name)
	if err != nil {
		return nil, err
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return nil, err
	}
	rc.UserAgent = "kubelab"
	return rc, nil
}

func clientFor(kc *api.Config) (*rest.Config, kubernetes.Interface, error) {
	rc, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, nil, err
	}
	rc.UserAgent = "kubelab"
	cs, err := kubernetes.NewForConfig(rc)
	return rc, cs, err
}
