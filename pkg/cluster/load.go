package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

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
