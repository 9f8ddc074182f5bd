//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptedCreate: Ctrl-C (SIGINT) while kubeadm init runs makes the create remove
// everything it made, say so in one line, and exit non-zero.
func TestInterruptedCreate(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "lc-int")
	cmd := exec.Command(kubelabBin, "create", "cluster", "--image", nodeImage, "--config", writeBareConfig(t, c.name))
	cmd.Env = append(os.Environ(), c.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sent := false
	// Read all of stderr before Wait, which closes the pipe.
	tee := io.TeeReader(stderr, &out)
	sc := bufio.NewScanner(tee)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "• Starting the control plane (kubeadm init)") {
			time.Sleep(2 * time.Second) // well inside kubeadm init
			_ = cmd.Process.Signal(syscall.SIGINT)
			sent = true
			break
		}
	}
	_, _ = io.Copy(io.Discard, tee)
	err = cmd.Wait()
	t.Logf("kubelab create, interrupted:\n%s", out.String())
	if !sent {
		t.Fatalf("the create never reached kubeadm init: %v", err)
	}
	if err == nil {
		t.Fatal("an interrupted create exited 0")
	}
	assertOneLineError(t, out.String(), "interrupted")
	assertNothingLeft(t, api, c.kubeconfig, c.name)
}
