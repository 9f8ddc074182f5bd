//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
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
	t.Cleanup(func() {
		kubelab(t, c.env, "registry", "delete")
		if r, err := api.VolumeInspect(context.Background(), "kubelab-registry-data"); err == nil {
			t.Errorf("registry volume left: %s", r.Name)
		}
	})
	status := kubelab(t, c.env, "registry", "status").stdout
	if !strings.Contains(status, "running") || !strings.Contains(status, fmt.Sprintf("localhost:%d", port)) {
		t.Errorf("registry status:\n%s", status)
	}
	ref := fmt.Sprintf("localhost:%d/kubelab-e2e/app:1", port)
	buildImage(t, api, ref, "FROM kubelab/echo:1.0\nLABEL io.kubelab.test=registry\n")
	t.Cleanup(func() { _, _ = api.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if err = pushImage(ctx, api, ref); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	ctr := echoContainer()
	ctr.Image, ctr.ImagePullPolicy = ref, corev1.PullAlways // a real pull from the registry
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "from-registry"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{ctr}}}
	if _, err := c.cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := c.cs.CoreV1().Pods("default").Get(ctx, "from-registry", metav1.GetOptions{})
		return err == nil && podIsReady(p), nil
	})
	if err != nil {
		t.Log(c.kubectl(t, "describe", "pod", "from-registry"))
		t.Fatalf("the pod of %s never got ready: %v", ref, err)
	}
	_ = c.cs.CoreV1().Pods("default").Delete(ctx, "from-registry", metav1.DeleteOptions{})
}
