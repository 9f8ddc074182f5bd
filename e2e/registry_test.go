//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// checkLocalRegistry (TestMultiNode, whose file has a [registry] table): an image built
// on the host with the Docker SDK and pushed to localhost:<port> runs in a pod on a
// worker under the same name, pulled through the node's hosts.toml; `kubelab registry
// status` reports the registry; `kubelab registry delete` removes it and its volume.
func checkLocalRegistry(t *testing.T, ctx context.Context, c *testCluster, node string, port int) {
	api := requireDocker(t)
	deleteRegistryAtEnd(t, api, c)
	status := kubelab(t, c.env, "registry", "status").stdout
	if !strings.Contains(status, "running") || !strings.Contains(status, fmt.Sprintf("localhost:%d", port)) {
		t.Errorf("registry status:\n%s", status)
	}
	ref := fmt.Sprintf("localhost:%d/kubelab-e2e/app:1", port)
	buildAndPush(t, ctx, api, ref)
	runFromRegistry(t, ctx, c, node, ref)
}

// TestLocalRegistryOutlivesClusters: an image pushed to the registry of a cluster made
// with a [registry] table is still there, and pullable, for a cluster made after that one
// is deleted, with --registry.
func TestLocalRegistryOutlivesClusters(t *testing.T) {
	api := requireDocker(t)
	first := newTestCluster(t, "e2e-reg")
	path := filepath.Join(t.TempDir(), "lab.toml")
	// Only what the test needs: no add-ons.
	cfg := fmt.Sprintf("name = %q\n\n[addons]\nstorage = false\ningress = false\nmetrics-server = false\ndashboard = false\n\n[registry]\n", first.name)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	deleteRegistryAtEnd(t, api, first)
	first.create(t, "--config", path, "--wait", "5m")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ref := "localhost:5001/kubelab-e2e/kept:1"
	buildAndPush(t, ctx, api, ref)
	runFromRegistry(t, ctx, first, first.name+"-control-plane", ref)
	kubelab(t, first.env, "delete", "cluster", "--name", first.name)
	if status := kubelab(t, first.env, "registry", "status").stdout; !strings.Contains(status, "running") || !strings.Contains(status, "kubelab-registry-data") {
		t.Fatalf("the registry did not outlive the cluster:\n%s", status)
	}
	// The host's copy goes: the second cluster can only get the image from the registry.
	_, _ = api.ImageRemove(ctx, ref, image.RemoveOptions{})

	second := newTestCluster(t, "e2e-reg2")
	second.create(t, "--name", second.name, "--registry", "--wait", "5m")
	runFromRegistry(t, ctx, second, second.name+"-control-plane", ref)
}

// deleteRegistryAtEnd removes the registry when the test ends and checks that its
// volume went with it.
func deleteRegistryAtEnd(t *testing.T, api *client.Client, c *testCluster) {
	t.Cleanup(func() {
		kubelab(t, c.env, "registry", "delete")
		if v, err := api.VolumeInspect(context.Background(), "kubelab-registry-data"); err == nil {
			t.Errorf("registry volume left: %s", v.Name)
		}
	})
}

// buildAndPush builds a small image (the echo server, relabelled) with the Docker SDK
// and pushes it to the local registry.
func buildAndPush(t *testing.T, ctx context.Context, api *client.Client, ref string) {
	t.Helper()
	buildImage(t, api, ref, "FROM kubelab/echo:1.0\nLABEL io.kubelab.test=registry\n")
	t.Cleanup(func() { _, _ = api.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if err = pushImage(ctx, api, ref); err == nil {
			return // the registry may take a moment to listen
		}
	}
	t.Fatalf("push %s: %v", ref, err)
}

// runFromRegistry runs ref on node with imagePullPolicy Always (a real pull from the
// registry) and waits for the pod to be ready.
func runFromRegistry(t *testing.T, ctx context.Context, c *testCluster, node, ref string) {
	t.Helper()
	ctr := echoContainer()
	ctr.Image, ctr.ImagePullPolicy = ref, corev1.PullAlways
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "from-registry"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{ctr}}}
	if _, err := c.cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := c.cs.CoreV1().Pods("default").Get(ctx, "from-registry", metav1.GetOptions{})
		return err == nil && podIsReady(p), nil
	})
	if err != nil {
		t.Log(c.kubectl(t, "describe", "pod", "from-registry"))
		t.Fatalf("the pod of %s never got ready: %v", ref, err)
	}
	_ = c.cs.CoreV1().Pods("default").Delete(ctx, "from-registry", metav1.DeleteOptions{})
}
