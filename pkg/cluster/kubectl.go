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
// a node into dir) and a kubeconfig file for the cluster next to it.
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
