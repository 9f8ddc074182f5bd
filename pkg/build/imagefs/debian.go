// Package imagefs makes the root filesystems of kubelab's images: Debian root filesystems
// (debootstrap, package lists, the dpkg database), subsets of them for small images
// (a package and its dependencies, busybox, nginx), the tar stream `docker import` reads,
// and the import itself.
package imagefs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubelab/kubelab/pkg/build/gomod"
)

// Suite is the Debian release every root filesystem comes from.
const Suite = "bookworm"

// Mirror is where debootstrap fetches packages: KUBELAB_DEBIAN_MIRROR, or debootstrap's
// own default when empty.
func Mirror() string { return os.Getenv("KUBELAB_DEBIAN_MIRROR") }

// StartDebootstrap makes (or reuses) a root filesystem with packages under
// <cacheDir>/rootfs, in the background: debootstrap is network-bound and Go is
// CPU-bound, so builders run both side by side. The directory's name covers the packages
// and the mirror.
func StartDebootstrap(ctx context.Context, cacheDir, prefix string, packages []string) (dir string, done <-chan error) {
	dir = filepath.Join(cacheDir, "rootfs", prefix+Suite+"-"+gomod.HashOf(packages, Mirror()))
	ch := make(chan error, 1)
	go func() { ch <- Debootstrap(ctx, dir, packages) }()
	return dir, ch
}

// Debootstrap makes a minimal Debian root filesystem with the packages in dir, unless a
// finished one is already there.
func Debootstrap(ctx context.Context, dir string, packages []string) error {
	if _, err := os.Stat(dir + ".done"); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("building the base image runs debootstrap, which needs root: run kubelab build node-image as root (sudo)")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is not installed: apt-get install debootstrap")
	}
	_ = os.RemoveAll(dir)
	args := []string{"--variant=minbase", "--include=" + strings.Join(packages, ","), Suite, dir}
	if m := Mirror(); m != "" {
		args = append(args, m)
	}
	cmd := exec.CommandContext(ctx, "debootstrap", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap: %v\n%s", err, gomod.TailLines(out.String(), 20))
	}
	// What a node never needs: package caches, docs, manuals.
	for _, p := range []string{"var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info"} {
		entries, _ := os.ReadDir(filepath.Join(dir, p))
		for _, e := range entries {
			if e.Name() != "lock" && e.Name() != "partial" {
				_ = os.RemoveAll(filepath.Join(dir, p, e.Name()))
			}
		}
	}
	return os.WriteFile(dir+".done", nil, 0o644)
}

// ReadPackageList reads a packages.txt: one package a line, # comments.
func ReadPackageList(data []byte) []string {
	var pkgs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line != "" {
			pkgs = append(pkgs, line)
		}
	}
	return pkgs
}

// EmbeddedPackageList reads a packages.txt embedded in the binary.
func EmbeddedPackageList(fsys fs.FS, name string) []string {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(err) // embedded at compile time: cannot be missing
	}
	return ReadPackageList(data)
}

// DpkgVersion is the installed version of a package ("1:1.35.0-4+b3"), or "".
func DpkgVersion(root, pkg string) string {
	status, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/status"))
	if err != nil {
		return ""
	}
	for _, para := range strings.Split(string(status), "\n\n") {
		if !strings.Contains(para, "Package: "+pkg+"\n") {
			continue
		}
		for _, line := range strings.Split(para, "\n") {
			if v, ok := strings.CutPrefix(line, "Version: "); ok {
				return v
			}
		}
	}
	return ""
}

// MinorVersion turns a Debian version into an image tag: "1:1.35.0-4+b3" → "1.35".
func MinorVersion(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "unknown"
	}
	return parts[0] + "." + strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
}

// dpkgClosure lists the installed packages that pkgs need, dependencies included, from
// the dpkg database of a root filesystem.
func dpkgClosure(root string, pkgs []string) ([]string, error) {
	status, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/status"))
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, para := range strings.Split(string(status), "\n\n") {
		var name string
		var ds []string
		installed := false
		for _, line := range strings.Split(para, "\n") {
			switch {
			case strings.HasPrefix(line, "Package: "):
				name = strings.TrimPrefix(line, "Package: ")
			case strings.HasPrefix(line, "Status: "):
				installed = strings.HasSuffix(line, " installed")
			case strings.HasPrefix(line, "Depends: "), strings.HasPrefix(line, "Pre-Depends: "):
				list := line[strings.Index(line, ": ")+2:]
				for _, alt := range strings.Split(list, ",") {
					ds = append(ds, strings.Split(alt, "|")...)
				}
			}
		}
		if name != "" && installed {
			var clean []string
			for _, d := range ds {
				d = strings.TrimSpace(d)
				if i := strings.IndexAny(d, " (:"); i >= 0 {
					d = d[:i]
				}
				clean = append(clean, d)
			}
			deps[name] = clean
		}
	}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		if _, ok := deps[p]; !ok {
			return // not installed: the other side of an alternative, or virtual
		}
		seen[p] = true
		for _, d := range deps[p] {
			walk(d)
		}
	}
	for _, p := range pkgs {
		if _, ok := deps[p]; !ok {
			return nil, fmt.Errorf("package %s is not installed in %s", p, root)
		}
		walk(p)
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// packageFiles lists the files dpkg installed for a package (paths relative to root),
// with the merged-/usr top-level links (/lib → usr/lib, ...) resolved.
func packageFiles(root, pkg string) ([]string, error) {
	var data []byte
	var err error
	for _, name := range []string{pkg + ".list", pkg + ":amd64.list", pkg + ":arm64.list"} {
		if data, err = os.ReadFile(filepath.Join(root, "var/lib/dpkg/info", name)); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("no file list for package %s", pkg)
	}
	var files []string
	for _, line := range strings.Split(string(data), "\n") {
		line = clean(line)
		if line == "" || line == "." {
			continue
		}
		files = append(files, resolveMergedUsr(root, line))
	}
	return files, nil
}

func resolveMergedUsr(root, rel string) string {
	first, rest, _ := strings.Cut(rel, "/")
	if target, err := os.Readlink(filepath.Join(root, first)); err == nil && !strings.HasPrefix(target, "/") {
		return clean(path.Join(target, rest))
	}
	return rel
}
