package imagefs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Subset copies the files of some Debian packages, with their dependencies, from a root
// filesystem.
func Subset(root string, pkgs ...string) func(*Tar) error {
	return func(t *Tar) error {
		closure, err := dpkgClosure(root, pkgs)
		if err != nil {
			return err
		}
		// Merged /usr: /lib64 → usr/lib64 and friends belong to no package, yet every
		// dynamic binary names its loader through /lib64.
		for _, top := range []string{"bin", "sbin", "lib", "lib64"} {
			if st, err := os.Lstat(filepath.Join(root, top)); err == nil && st.Mode()&os.ModeSymlink != 0 {
				if err := t.FromDisk(root, top); err != nil {
					return err
				}
			}
		}
		for _, p := range closure {
			files, err := packageFiles(root, p)
			if err != nil {
				return err
			}
			for _, f := range files {
				if err := t.FromDisk(root, f); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
		// update-alternatives links (iptables → iptables-nft, nc → nc.openbsd) belong to no
		// package: keep those whose target the subset has.
		alts, _ := filepath.Glob(filepath.Join(root, "etc/alternatives/*"))
		for _, a := range alts {
			target, err := os.Readlink(a)
			if err != nil || !t.written[resolveMergedUsr(root, clean(target))] {
				continue
			}
			rel, _ := filepath.Rel(root, a)
			if err := t.FromDisk(root, rel); err != nil {
				return err
			}
			for _, dir := range []string{"usr/bin", "usr/sbin"} {
				link := filepath.Join(dir, filepath.Base(a))
				if l, err := os.Readlink(filepath.Join(root, link)); err == nil && l == "/"+rel {
					if err := t.FromDisk(root, link); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
}

// Busybox adds Debian's static busybox with a link for each of its applets: a shell and
// the usual tools (wget, ls, cat, nslookup...) in 2 MB.
func Busybox(root string) func(*Tar) error {
	return func(t *Tar) error {
		bin := filepath.Join(root, "usr/bin/busybox")
		if err := t.FromDisk(root, "usr/bin/busybox"); err != nil {
			return err
		}
		out, err := exec.Command(bin, "--list").Output()
		if err != nil {
			return fmt.Errorf("busybox --list: %w", err)
		}
		for _, applet := range strings.Fields(string(out)) {
			if !t.written["usr/bin/"+applet] {
				if err := t.Symlink("usr/bin/"+applet, "busybox"); err != nil {
					return err
				}
			}
		}
		for _, top := range []string{"bin", "sbin"} {
			if !t.written[top] {
				if err := t.Symlink(top, "usr/bin"); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// Nginx adds Debian's nginx-light, its configuration and default page, logging to the
// container's output as every nginx image does.
func Nginx(root string) func(*Tar) error {
	return func(t *Tar) error {
		for _, f := range []string{"etc/passwd", "etc/group", "etc/nsswitch.conf"} {
			if err := t.FromDisk(root, f); err != nil {
				return err
			}
		}
		for _, dir := range []string{"etc/nginx", "var/www"} {
			if err := t.Subtree(root, dir); err != nil {
				return err
			}
		}
		if err := t.Symlink("var/log/nginx/access.log", "/dev/stdout"); err != nil {
			return err
		}
		if err := t.Symlink("var/log/nginx/error.log", "/dev/stderr"); err != nil {
			return err
		}
		for _, d := range []string{"var/lib/nginx", "run"} {
			if err := t.Dir(d, 0o755); err != nil {
				return err
			}
		}
		if err := t.Dir("tmp", 0o1777); err != nil {
			return err
		}
		return Subset(root, "nginx-light")(t)
	}
}

// MinimalEtc gives a static binary the users and files libraries expect.
func MinimalEtc(t *Tar) error {
	files := map[string]string{
		"etc/passwd":        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":         "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
	}
	for _, name := range []string{"etc/group", "etc/nsswitch.conf", "etc/passwd"} {
		if err := t.File(name, 0o644, []byte(files[name])); err != nil {
			return err
		}
	}
	return t.Dir("tmp", 0o1777)
}
