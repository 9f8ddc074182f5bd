//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/go-connections/nat"
)

// The images of the specs that pull with imagePullPolicy Always.
var alwaysPulled = []string{"e2e-test-images/kitten:1.8", "e2e-test-images/agnhost:2.66.1"}

// mirrorPulls starts a registry on the cluster's network, pushes the always-pulled images
// into it, and makes every node's containerd use it as a mirror of the suite's registry:
// such pulls then succeed as they do with internet access, with the same images.
func mirrorPulls(t *testing.T, api *client.Client, tools, cluster string) {
	t.Helper()
	ctx := context.Background()
	img, err := os.ReadFile(filepath.Join(tools, "registry.txt"))
	if err != nil {
		t.Fatal(err)
	}
	name := cluster + "-registry"
	created, err := api.ContainerCreate(ctx, &container.Config{Image: strings.TrimSpace(string(img)), ExposedPorts: nat.PortSet{"5000/tcp": {}}},
		&container.HostConfig{
			// The host pushes through a port on its loopback (Docker pushes to 127.0.0.1
			// over plain HTTP); nodes pull by the container's name on the kubelab network.
			PortBindings: nat.PortMap{"5000/tcp": {{HostIP: "127.0.0.1", HostPort: "0"}}},
			NetworkMode:  "kubelab",
		}, nil, nil, name)
	if err != nil {
		t.Fatalf("create the registry: %v", err)
	}
	t.Cleanup(func() {
		_ = api.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	})
	if err := api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start the registry: %v", err)
	}
	info, err := api.ContainerInspect(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	port := info.NetworkSettings.Ports["5000/tcp"][0].HostPort
	for _, ref := range alwaysPulled {
		local := "127.0.0.1:" + port + "/" + ref
		if err := api.ImageTag(ctx, "registry.k8s.io/"+ref, local); err != nil {
			t.Fatal(err)
		}
		var pushErr error
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			if pushErr = pushImage(ctx, api, local); pushErr == nil {
				break // the registry may take a moment to listen
			}
		}
		if pushErr != nil {
			t.Fatalf("push %s: %v", local, pushErr)
		}
		_, _ = api.ImageRemove(ctx, local, image.RemoveOptions{})
	}
	hosts := fmt.Sprintf("server = \"https://registry.k8s.io\"\n\n[host.\"http://%s:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n", name)
	nodes, err := api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster="+cluster))})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		node := strings.TrimPrefix(n.Names[0], "/")
		dockerExec(t, api, node, "sh", "-c", "mkdir -p /etc/containerd/certs.d/registry.k8s.io && cat > /etc/containerd/certs.d/registry.k8s.io/hosts.toml <<'EOF'\n"+hosts+"EOF")
		if out := dockerExec(t, api, node, "cat", "/etc/containerd/certs.d/registry.k8s.io/hosts.toml"); !strings.Contains(out, name) {
			t.Fatalf("node %s: hosts.toml not written: %q", node, out)
		}
	}
}

// requireDistinctIDs fails when an always-pulled image shares its image ID with another
// test image: containerd's CRI keeps one record per ID, so pulling one name again would
// make kubelet miss the other (loaded, never pulled) names, and their pods would fail.
func requireDistinctIDs(t *testing.T, api *client.Client, refs []string) {
	t.Helper()
	ids := map[string][]string{}
	for _, ref := range refs {
		info, err := api.ImageInspect(context.Background(), ref)
		if err != nil {
			t.Fatalf("inspect %s: %v", ref, err)
		}
		ids[info.ID] = append(ids[info.ID], ref)
	}
	for _, pulled := range alwaysPulled {
		for _, names := range ids {
			if len(names) > 1 && slices.Contains(names, "registry.k8s.io/"+pulled) {
				t.Fatalf("test images %v share one image ID, and %s is pulled again during the run", names, pulled)
			}
		}
	}
}

func pushImage(ctx context.Context, api *client.Client, ref string) error {
	rc, err := api.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: "e30="}) // "{}": no credentials
	if err != nil {
		return err
	}
	defer rc.Close()
	return jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil)
}
