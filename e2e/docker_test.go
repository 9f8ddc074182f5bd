//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/docker/pkg/stdcopy"
	"k8s.io/client-go/tools/clientcmd"
)

// dockerExec runs cmd in a container and returns what it printed (stdout and stderr).
func dockerExec(t *testing.T, api *client.Client, ctr string, cmd ...string) string {
	t.Helper()
	ctx := context.Background()
	ex, err := api.ContainerExecCreate(ctx, ctr, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := api.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer att.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, att.Reader); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return out.String()
}

// assertNothingLeft checks through the Docker API itself (not kubelab) that no
// container, volume or kubeconfig entry of the cluster remains, and that the kubelab
// network is gone when no other kubelab node uses it.
func assertNothingLeft(t *testing.T, api *client.Client, kubeconfigPath, name string) {
	t.Helper()
	ctx := context.Background()
	cs, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster="+name))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("container left: %v", c.Names)
	}
	byName, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("name", name+"-"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range byName {
		t.Errorf("container left: %v", c.Names)
	}
	vols, err := api.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name+"-"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vols.Volumes {
		t.Errorf("volume left: %s", v.Name)
	}
	others, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(others) == 0 {
		if _, err := api.NetworkInspect(ctx, "kubelab", network.InspectOptions{}); err == nil {
			t.Error("network kubelab left although no kubelab node exists")
		}
	}
	if data, err := os.ReadFile(kubeconfigPath); err == nil {
		cfg, err := clientcmd.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		ctxName := "kubelab-" + name
		if cfg.Contexts[ctxName] != nil || cfg.Clusters[ctxName] != nil || cfg.AuthInfos[ctxName] != nil {
			t.Errorf("kubeconfig entries of %s left", ctxName)
		}
	}
}

// newTarFile writes a tar stream holding one file.
func newTarFile(w io.Writer, name, content string) error {
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
		return err
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		return err
	}
	return tw.Close()
}

// buildImage builds a one-file Dockerfile in the host's Docker (legacy builder: no
// BuildKit on older daemons).
func buildImage(t *testing.T, api interface {
	ImageBuild(context.Context, io.Reader, build.ImageBuildOptions) (build.ImageBuildResponse, error)
}, ref, dockerfile string) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		tw := newTarFile(pw, "Dockerfile", dockerfile)
		pw.CloseWithError(tw)
	}()
	resp, err := api.ImageBuild(context.Background(), pr, build.ImageBuildOptions{Tags: []string{ref}, Remove: true, Version: build.BuilderV1})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		t.Fatalf("build %s: %v", ref, err)
	}
}
