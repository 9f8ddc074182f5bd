//go:build e2e

// Package e2e runs kubelab against a real Docker daemon: real node containers, real
// kubeadm clusters. `make e2e` (part of `make test`) builds the CLI and the node image
// first and passes them in KUBELAB_BIN and KUBELAB_NODE_IMAGE.
package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
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

// uniqueName gives each test cluster its own name, so runs never collide.
func uniqueName(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

type result struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

// kubelab runs the CLI with extra environment entries (KEY=VALUE).
func kubelab(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubelabBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), err: err, took: time.Since(start)}
	t.Logf("kubelab %s (%.1fs, err=%v)\n%s%s", strings.Join(args, " "), r.took.Seconds(), err, r.stdout, r.stderr)
	return r
}

// clientset connects to the context kubelab-<name> of a kubeconfig file.
func clientset(t testing.TB, kubeconfigPath, name string) *kubernetes.Clientset {
	t.Helper()
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfigPath}
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: "kubelab-" + name}).ClientConfig()
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", kubeconfigPath, err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func tempKubeconfig(t testing.TB) string {
	return filepath.Join(t.TempDir(), "kubeconfig")
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
