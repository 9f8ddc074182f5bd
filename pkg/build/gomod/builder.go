package gomod

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Builder runs Go builds in wrapper modules under Dir, keeping outputs by input hash.
type Builder struct {
	Dir string // cache root: <Dir>/src/<wrapper>, <Dir>/bin/<wrapper>-<hash>
}

// Build returns the directory holding the binaries, building them only when absent.
func (g *Builder) Build(ctx context.Context, w Wrapper, builds []Build) (string, error) {
	treeHash := ""
	if w.Tree != nil {
		var err error
		if treeHash, err = HashFS(w.Tree); err != nil {
			return "", err
		}
	}
	out := filepath.Join(g.Dir, "bin", w.Name+"-"+HashOf(w, builds, treeHash, GoVersion()))
	if _, err := os.Stat(filepath.Join(out, ".done")); err == nil {
		return out, nil
	}
	src := filepath.Join(g.Dir, "src", w.Name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if w.Tree != nil {
		_ = os.RemoveAll(src + ".new")
		if err := os.CopyFS(src+".new", w.Tree); err != nil {
			return "", err
		}
		_ = os.RemoveAll(src)
		if err := os.Rename(src+".new", src); err != nil {
			return "", err
		}
	}
	mod := w.goMod()
	if w.Tree != nil {
		mod, _ = os.ReadFile(filepath.Join(src, "go.mod"))
	}
	old, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	if !bytes.Equal(old, mod) {
		if err := os.WriteFile(filepath.Join(src, "go.mod"), mod, 0o644); err != nil {
			return "", err
		}
		_ = os.Remove(filepath.Join(src, "go.sum"))
	}
	for name, data := range w.Files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(filepath.Join(src, "go.sum")); err != nil {
		if err := goCmd(ctx, src, nil, "mod", "tidy"); err != nil {
			return "", err
		}
	}
	tmp := out + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	for _, b := range builds {
		if err := goCmd(ctx, src, b.env(), b.args(tmp)...); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	_ = os.RemoveAll(out)
	return out, os.Rename(tmp, out)
}

// args is the go command line of one build writing into dir.
func (b Build) args(dir string) []string {
	target := dir + "/"
	if b.Output != "" {
		target = filepath.Join(dir, b.Output)
	}
	args := []string{"build", "-trimpath", "-o", target}
	if b.Test {
		// -vet=off: vetting upstream's tests is upstream's job, and slow.
		args = []string{"test", "-c", "-vet=off", "-trimpath", "-o", target}
	}
	if len(b.Tags) > 0 {
		args = append(args, "-tags", strings.Join(b.Tags, ","))
	}
	// -s -w: no symbol tables or DWARF; the binaries go into images, not debuggers.
	args = append(args, "-ldflags", strings.Join(append([]string{"-s", "-w"}, b.Ldflags...), " "))
	return append(args, b.Packages...)
}

func (b Build) env() []string {
	if b.CGO {
		return []string{"CGO_ENABLED=1"}
	}
	return []string{"CGO_ENABLED=0"}
}

func goCmd(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	// -mod=mod: the wrapper's go.sum is filled from the module proxy as needed.
	cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off"}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, TailLines(out.String(), 30))
	}
	return nil
}

// TailLines is the last n lines of a command's output: what an error message shows of a
// failed build step.
func TailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var goVersion struct {
	sync.Mutex
	v string
}

// GoVersion is part of every build hash: a new toolchain gives new binaries.
func GoVersion() string {
	goVersion.Lock()
	defer goVersion.Unlock()
	if goVersion.v == "" {
		out, err := exec.Command("go", "env", "GOVERSION").Output()
		if err == nil {
			goVersion.v = strings.TrimSpace(string(out))
		}
	}
	return goVersion.v
}
