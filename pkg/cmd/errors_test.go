package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

func TestExplainFullDisk(t *testing.T) {
	ours := fmt.Errorf("merge kubeconfig: %w", &fs.PathError{Op: "write", Path: "/k/.kubeconfig-1", Err: syscall.ENOSPC})
	docker := errors.New("create node lab-control-plane: Error response from daemon: write /var/lib/docker/x: no space left on device")
	for _, err := range []error{ours, docker} {
		got := explain(err)
		if !strings.HasPrefix(got, err.Error()) || !strings.Contains(got, "the disk is full: free some space") {
			t.Errorf("explain(%q) = %q", err, got)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("explain(%q) spans lines", err)
		}
	}
	other := errors.New(`cluster "lab" already exists`)
	if got := explain(other); got != other.Error() {
		t.Errorf("explain changed an unrelated error: %q", got)
	}
}
