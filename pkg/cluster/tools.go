package cluster

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
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

// LoadArchive imports a docker-archive (or OCI) tar of images into the containerd of
// each named node (every node of the cluster when nodes is empty), so pods can use them
// without a registry.
func LoadArchive(ctx context.Context, p docker.Provider, cluster string, nodes []string, archive string) error {
	all, err := Nodes(ctx, p, cluster)
	if err != nil {
		return err
	}
	targets, err := pickNodes(all, nodes)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range targets {
		g.Go(func() error {
			f, err := os.Open(archive)
			if err != nil {
				return err
			}
			defer f.Close()
			cmd := []string{"ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "--snapshotter=overlayfs", "-"}
			if err := p.Exec(ctx, n, cmd, docker.ExecOptions{Stdin: f}); err != nil {
				return fmt.Errorf("load into node %s: %w", n, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// LoadImages copies images from the host's Docker into the nodes.
func LoadImages(ctx context.Context, p docker.Provider, cluster string, nodes, images []string) error {
	if _, err := Nodes(ctx, p, cluster); err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "kubelab-images-*.tar")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	rc, err := p.SaveImages(ctx, images)
	if err != nil {
		tmp.Close()
		return err
	}
	_, err = io.Copy(tmp, rc)
	rc.Close()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save images: %w", err)
	}
	return LoadArchive(ctx, p, cluster, nodes, tmp.Name())
}

func pickNodes(all []docker.Node, want []string) ([]string, error) {
	var names, out []string
	for _, n := range all {
		if n.Role == labels.RoleLoadBalancer {
			continue
		}
		names = append(names, n.Name)
		if n.State != "running" {
			continue
		}
		if len(want) == 0 {
			out = append(out, n.Name)
		}
	}
	for _, w := range want {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			return nil, fmt.Errorf("no node %q in this cluster; its nodes: %s", w, strings.Join(names, ", "))
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, errors.New("no running node to load into")
	}
	return out, nil
}

// Kubectl returns the path of a kubectl of the cluster's own version (copied once from
// a node into dir) and a kubeconfig file for the cluster next to it.
func Kubectl(ctx context.Context, p docker.Provider, cluster, dir string) (kubectl, kubeconfigPath string, err error) {
	nodes, err := Nodes(ctx, p, cluster)
	if err != nil {
		return "", "", err
	}
	var node docker.Node
	for _, n := range nodes {
		if n.Role == "control-plane" && n.State == "running" {
			node = n
			break
		}
	}
	if node.Name == "" {
		return "", "", fmt.Errorf("cluster %s has no running control plane", cluster)
	}
	// The node image's name says its Kubernetes version (kubelab/node:v1.37.2).
	version := node.Image[strings.LastIndex(node.Image, ":")+1:]
	kubectl = filepath.Join(dir, "kubectl-"+strings.NewReplacer("/", "_", "@", "_").Replace(version), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		if err := copyBinary(ctx, p, node.Name, "/usr/local/bin/kubectl", kubectl); err != nil {
			return "", "", err
		}
	}
	data, err := AdminKubeconfig(ctx, p, cluster)
	if err != nil {
		return "", "", err
	}
	kubeconfigPath = filepath.Join(dir, "kubeconfig-"+cluster)
	if err := os.WriteFile(kubeconfigPath, data, 0o600); err != nil {
		return "", "", err
	}
	return kubectl, kubeconfigPath, nil
}

func copyBinary(ctx context.Context, p docker.Provider, node, src, dst string) error {
	rc, err := p.CopyFromNode(ctx, node, src)
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return fmt.Errorf("copy %s from %s: %w", src, node, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".kubectl-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, tr); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o755); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dst)
}

// AddonStates reports every add-on's state on a cluster.
func AddonStates(ctx context.Context, p docker.Provider, cluster string) ([]addons.State, error) {
	cs, err := Client(ctx, p, cluster)
	if err != nil {
		return nil, err
	}
	var out []addons.State
	for _, a := range addons.All {
		s, err := a.Status(ctx, cs)
		if err != nil {
			return nil, fmt.Errorf("add-on %s: %w", a.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// SetAddon enables or disables one add-on on a running cluster; enabling waits until
// its pods are ready.
func SetAddon(ctx context.Context, p docker.Provider, cluster, name string, enable bool) error {
	a, err := addons.Find(name)
	if err != nil {
		return err
	}
	rc, err := RESTConfig(ctx, p, cluster)
	if err != nil {
		return err
	}
	if !enable {
		return a.Disable(ctx, rc)
	}
	if err := a.Enable(ctx, rc); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	return WaitAddons(ctx, cs, []addons.Addon{a})
}
