//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// uniqueName gives each test cluster its own name, so runs never collide.
func uniqueName(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func tempKubeconfig(t testing.TB) string {
	return filepath.Join(t.TempDir(), "kubeconfig")
}

// writeLabConfig writes a cluster configuration file in the test's temporary directory
// and returns its path.
func writeLabConfig(t testing.TB, cfg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lab.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

// kubelab runs the CLI with extra environment entries (KEY=VALUE).
func kubelab(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return runKubelab(t, env, nil, args...)
}

// kubelabStdin runs kubelab with stdin.
func kubelabStdin(t testing.TB, env []string, stdin string, args ...string) result {
	t.Helper()
	return runKubelab(t, env, strings.NewReader(stdin), args...)
}

// runKubelab runs the CLI (15 minutes at most) and logs what it printed.
func runKubelab(t testing.TB, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubelabBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), err: err, took: time.Since(start)}
	t.Logf("kubelab %s (%.1fs, err=%v)\n%s%s", strings.Join(args, " "), r.took.Seconds(), err, r.stdout, r.stderr)
	return r
}

// assertOneLineError checks that kubelab printed exactly one ERROR line, and that it
// mentions want.
func assertOneLineError(t *testing.T, stderr, want string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "ERROR:") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 || !strings.Contains(errLines[0], want) {
		t.Errorf("want one ERROR line mentioning %q, got:\n%s", want, stderr)
	}
}

// containsLine reports whether one of the lines of s is line, spaces aside.
func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
