package imagefs

import (
	"archive/tar"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Tar writes a root filesystem for `docker import`, remembering what it wrote so that
// later layers of content (our files) replace earlier ones (Debian's) cleanly. Our files
// are written first; FromDisk, Tree and Subtree then skip every path already written.
// Parent directories are written as needed.
type Tar struct {
	tw      *tar.Writer
	written map[string]bool
	links   map[uint64]string // inode → first path, for hard links
	omit    map[string]bool   // paths (and trees) Tree leaves out
}

// NewTar starts a root filesystem stream on w; Close finishes it.
func NewTar(w io.Writer) *Tar {
	return &Tar{tw: tar.NewWriter(w), written: map[string]bool{}, links: map[uint64]string{}}
}

// Close writes the end of the archive (not closing w).
func (t *Tar) Close() error { return t.tw.Close() }

func clean(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

// dirs writes the parent directories of name that were not written yet.
func (t *Tar) dirs(name string) error {
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

// File writes a regular file from memory.
func (t *Tar) File(name string, mode int64, data []byte) error {
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

// HostFile writes a file from the host's disk.
func (t *Tar) HostFile(name string, mode int64, src string) error {
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

// Symlink writes a symbolic link.
func (t *Tar) Symlink(name, target string) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

// Hardlink writes a hard link to a file written before: one copy of the data, two names.
// mode must be the target's: Docker applies a link's mode to the file it shares.
func (t *Tar) Hardlink(name, target string, mode int64) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: clean(target), Mode: mode})
}

// Dir writes a directory.
func (t *Tar) Dir(name string, mode int64) error {
	name = clean(name)
	if err := t.dirs(name); err != nil {
		return err
	}
	t.written[name] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
}

// FromDisk copies one entry of a root filesystem on disk (rel is relative to root),
// keeping owner, mode, links and device numbers.
func (t *Tar) FromDisk(root, rel string) error {
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

// Omit makes Tree leave out these paths, and everything under those that are directories.
func (t *Tar) Omit(paths ...string) {
	if t.omit == nil {
		t.omit = map[string]bool{}
	}
	for _, p := range paths {
		t.omit[clean(p)] = true
	}
}

// Tree copies a whole root filesystem, skipping what was already written or omitted.
func (t *Tar) Tree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if t.omit[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return t.FromDisk(root, rel)
	})
}

// Subtree copies one directory of a root filesystem (rel is relative to root).
func (t *Tar) Subtree(root, rel string) error {
	return filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(root, p)
		return t.FromDisk(root, r)
	})
}

// Embedded copies files from an embedded tree under prefix into the rootfs, making
// files under bin/ directories executable.
func (t *Tar) Embedded(fsys fs.FS, prefix string) error {
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
		return t.File(rel, mode, data)
	})
}
