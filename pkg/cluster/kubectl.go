package cluster

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// Kubectl returns the path of a kubectl of the cluster's own version (copied once from
// a node into dir, kept per Kubernetes version) and a kubeconfig file for the cluster
// next to it.
func Kubectl(ctx context.Context, p docker.Provider, cluster, dir string) (kubectl, kubeconfigPath string, err error) {
	nodes, err := Nodes(ctx, p, cluster)
	if err != nil {
		return "", "", err
	}
	var node docker.Node
	for _, n := range nodes {
		if n.Role == labels.RoleControlPlane && n.State == "running" {
			node = n
			break
		}
	}
	if node.Name == "" {
		return "", "", fmt.Errorf("cluster %s has no running control plane", cluster)
	}
	version, err := nodeVersion(ctx, p, cluster, node.Image)
	if err != nil {
		return "", "", err
	}
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
	kubeconfigPath = kubectlKubeconfig(dir, cluster)
	if err := os.WriteFile(kubeconfigPath, data, 0o600); err != nil {
		return "", "", err
	}
	return kubectl, kubeconfigPath, nil
}

// nodeVersion is the Kubernetes version a cluster's node image carries in its label.
func nodeVersion(ctx context.Context, p docker.Provider, cluster, image string) (string, error) {
	version, exists, err := p.ImageLabel(ctx, image, labels.KubernetesVersion)
	if err != nil {
		return "", err
	}
	if !exists {
		return "", fmt.Errorf("cannot tell the Kubernetes version of cluster %s: its node image %s is no longer in Docker", cluster, image)
	}
	if version == "" {
		return "", fmt.Errorf("cannot tell the Kubernetes version of cluster %s: its node image %s has no %s label", cluster, image, labels.KubernetesVersion)
	}
	return version, nil
}

// copyBinary copies the file src of a node to dst on the host, made executable; dst
// appears whole or not at all.
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

// kubectlKubeconfig is where Kubectl keeps a cluster's admin kubeconfig under dir; delete
// removes it with the cluster (it holds the cluster's admin credentials).
func kubectlKubeconfig(dir, cluster string) string {
	return filepath.Join(dir, "kubeconfig-"+cluster)
}
