package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kubelab/kubelab/pkg/build/gomod"
)

// buildPause compiles Kubernetes' own pause.c statically (it is C, not Go).
func (b *builder) buildPause(ctx context.Context) (string, error) {
	src := filepath.Join(b.rel.k8sDir, "build/pause/linux/pause.c")
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.opts.CacheDir, "bin", "pause-"+b.rel.Pause+"-"+gomod.HashOf(string(data)))
	out := filepath.Join(dir, "pause")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		return "", errors.New("gcc is not installed (needed for the pause binary): apt-get install gcc libc6-dev")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "gcc", "-Os", "-Wall", "-static", "-DVERSION=v"+b.rel.Pause, "-o", out+".tmp", src)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("gcc pause.c: %v\n%s", err, msg)
	}
	return out, os.Rename(out+".tmp", out)
}
