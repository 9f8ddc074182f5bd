package nodeimage

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

const debianSuite = "bookworm"

// debianMirror is where debootstrap fetches packages: KUBELAB_DEBIAN_MIRROR, or
// debootstrap's own default when empty.
func debianMirror() string { return os.Getenv("KUBELAB_DEBIAN_MIRROR") }

// debootstrap makes a minimal Debian root filesystem with the packages in dir, unless a
// finished one is already there.
func debootstrap(ctx context.Context, dir string, packages []string) error {
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
	args := []string{"--variant=minbase", "--include=" + strings.Join(packages, ","), debianSuite, dir}
	if m := debianMirror(); m != "" {
		args = append(args, m)
	}
	cmd := exec.CommandContext(ctx, "debootstrap", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap: %v\n%s", err, tailLines(out.String(), 20))
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

// readPackageList reads a packages.txt: one package a line, # comments.
func readPackageList(data []byte) []string {
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

// tarWriter writes a root filesystem for `docker import`, remembering what it wrote so
// that later layers of content (our files) replace earlier ones (Debian's) cleanly.
type tarWriter struct {
	tw      *tar.Writer
	written map[string]bool
	links   map[uint64]string // inode → first path, for hard links
}

func newTarWriter(w io.Writer) *tarWriter {
	return &tarWriter{tw: tar.NewWriter(w), written: map[string]bool{}, links: map[uint64]string{}}
}

func (t *tarWriter) Close() error { return t.tw.Close() }

func clean(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

// dirs writes the parent directories of name that were not written yet.
func (t *tarWriter) dirs(name string) error {
	parts := strings.Split(clean(name), "/")
	for i := 1; i < len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		if t.written[d] {
			continue
		}
		if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
			return err
		}
		t.written[d] = true
	}
	return nil
}

// file writes a regular file from memory.
func (t *tarWriter) file(name string, mode int64, data []byte) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
		return err
	}
	_, err := t.tw.Write(data)
	return err
}

// hostFile writes a file from the host's disk.
func (t *tarWriter) hostFile(name string, mode int64, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: st.Size()}); err != nil {
		return err
	}
	_, err = io.Copy(t.tw, f)
	return err
}

func (t *tarWriter) symlink(name, target string) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

func (t *tarWriter) dir(name string, mode int64) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
}

// fromDisk copies one entry of a root filesystem on disk (rel is relative to root),
// keeping owner, mode, links and device numbers.
func (t *tarWriter) fromDisk(root, rel string) error {
	rel = clean(rel)
	if t.written[rel] || rel == "" {
		return nil
	}
	full := filepath.Join(root, rel)
	st, err := os.Lstat(full)
	if err != nil {
		return err
	}
	link := ""
	if st.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(full); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if st.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uname, hdr.Gname = "", ""
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid = int(sys.Uid), int(sys.Gid)
		if st.Mode().IsRegular() && sys.Nlink > 1 {
			if first, seen := t.links[sys.Ino]; seen {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				t.links[sys.Ino] = rel
			}
		}
	}
	if err := t.dirs(rel); err != nil {
		return err
	}
	t.written[rel] = true
	if err := t.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeReg {
		f, err := os.Open(full)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(t.tw, f, hdr.Size); err != nil {
			return err
		}
	}
	return nil
}

// tree copies a whole root filesystem, skipping what was already written.
func (t *tarWriter) tree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		return t.fromDisk(root, rel)
	})
}

// subtree copies one directory of a root filesystem (rel is relative to root).
func (t *tarWriter) subtree(root, rel string) error {
	return filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(root, p)
		return t.fromDisk(root, r)
	})
}

// dpkgVersion is the installed version of a package ("1:1.35.0-4+b3"), or "".
func dpkgVersion(root, pkg string) string {
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

// minorVersion turns a Debian version into an image tag: "1:1.35.0-4+b3" → "1.35".
func minorVersion(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "unknown"
	}
	return parts[0] + "." + strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
}

// embedded copies files from an embedded tree under prefix into the rootfs, making
// files under bin/ directories executable.
func (t *tarWriter) embedded(fsys fs.FS, prefix string) error {
	return fs.WalkDir(fsys, prefix, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, prefix+"/")
		mode := int64(0o644)
		if strings.Contains("/"+path.Dir(rel)+"/", "/bin/") {
			mode = 0o755
		}
		return t.file(rel, mode, data)
	})
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
