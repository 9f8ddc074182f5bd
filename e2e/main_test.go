//go:build e2e

// Package e2e runs kubelab against a real Docker daemon: real node containers, real
// kubeadm clusters. `make e2e` (part of `make test`) builds the CLI and the node image
// first and passes them in KUBELAB_BIN and KUBELAB_NODE_IMAGE.
//
// Test files hold the tests; the helpers they share live in files named for what they
// help with: cli_test.go (running kubelab), testcluster_test.go (the cluster a test
// creates), kube_test.go (client-go), workloads_test.go (echo servers and client pods),
// http_test.go (requests from the host), docker_test.go (the Docker API) and
// registry_mirror_test.go (the registry TestConformance's always-pulled images come from).
// The JUnit reports of TestConformance are read by package e2e/conformance/report.
// TestBench (`make bench`, bench_test.go) measures in benchrun_test.go (time-to-k8s runs),
// benchbuild_test.go (warm builds, idle memory) and benchdocker_test.go (Docker stats,
// image size); package e2e/benchreport holds and writes its figures.
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

var (
	kubelabBin string
	nodeImage  string
)

func TestMain(m *testing.M) {
	kubelabBin = os.Getenv("KUBELAB_BIN")
	nodeImage = os.Getenv("KUBELAB_NODE_IMAGE")
	if kubelabBin == "" || nodeImage == "" {
		fmt.Fprintln(os.Stderr, "e2e: run through `make e2e` (KUBELAB_BIN and KUBELAB_NODE_IMAGE are not set)")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// requireDocker returns an SDK client, failing (in CI) or skipping (elsewhere) when no
// daemon answers: in CI an e2e test never skips.
func requireDocker(t testing.TB) *client.Client {
	t.Helper()
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = api.Ping(ctx)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Docker daemon in CI: %v", err)
		}
		t.Skipf("no Docker daemon: %v", err)
	}
	return api
}
