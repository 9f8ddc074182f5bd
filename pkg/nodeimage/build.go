// Package nodeimage builds kubelab's node image from source: Kubernetes, etcd, CoreDNS,
// containerd and pause from the Go module proxy and the Kubernetes module, a Debian root
// filesystem from Debian's mirror, and every image a cluster runs preloaded into the
// node's containerd. No container registry is involved at any point.
package nodeimage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	kubelab "github.com/kubelab/kubelab"
	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/defaults"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

// Options of a node-image build.
type Options struct {
	KubernetesVersion string
	Image             string
	CacheDir          string // Go wrapper modules, binaries and the Debian root filesystem
	Force             bool   // rebuild the images even when their inputs are unchanged
}

type builder struct {
	opts Options
	dc   docker.ImageBuilder
	rel  Release
	gob  *goBuilder

	rootfs        string     // the node's Debian root filesystem on disk
	rootfsDone    chan error // debootstrap runs while Go compiles
	apps          string     // the tutorial images' Debian root filesystem
	appsDone      chan error
	bins          map[string]string
	baseRef       string
	componentRefs []string
}

// Build makes the node image, skipping every part whose inputs did not change.
func Build(ctx context.Context, dc docker.ImageBuilder, st *ui.Status, opts Options) error {
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = defaults.KubernetesVersion
	}
	if opts.Image == "" {
		opts.Image = defaults.NodeImage(opts.KubernetesVersion)
	}
	if opts.CacheDir == "" {
		opts.CacheDir = defaults.CacheDir()
	}
	if _, err := exec.LookPath("go"); err != nil {
		return errors.New("the Go toolchain is not installed: kubelab builds Kubernetes from source and needs `go` on PATH")
	}
	if err := dc.Ping(ctx); err != nil {
		return err
	}
	b := &builder{opts: opts, dc: dc, gob: &goBuilder{dir: opts.CacheDir}, bins: map[string]string{}}

	st.Start("Resolving Kubernetes " + opts.KubernetesVersion)
	rel, err := resolveRelease(ctx, opts.KubernetesVersion)
	if err != nil {
		st.End(err)
		return err
	}
	b.rel = rel
	recipe, err := b.recipeHash()
	if err != nil {
		st.End(err)
		return err
	}
	if label, exists, err := dc.ImageLabel(ctx, opts.Image, labels.Inputs); err != nil {
		st.End(err)
		return err
	} else if exists && label == recipe && !opts.Force {
		st.End(nil)
		st.Infof("Node image %s is up to date (inputs %s).", opts.Image, recipe)
		return nil
	}

	// debootstrap is network-bound and Go is CPU-bound: run them side by side.
	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.rootfs, b.rootfsDone = b.startDebootstrap(bgCtx, "debian-", "base/packages.txt")
	b.apps, b.appsDone = b.startDebootstrap(bgCtx, "apps-", "apps/packages.txt")

	steps := []ui.Step{
		{Title: "Building Kubernetes " + rel.Kubernetes + " from source", Run: b.buildKubernetes},
		{Title: fmt.Sprintf("Building etcd %s, CoreDNS %s, containerd %s, pause %s, local-path-provisioner %s, Traefik %s, metrics-server %s",
			rel.Etcd, rel.CoreDNS, containerdVersion, rel.Pause, localPathVersion, traefikVersion, metricsServerVersion), Run: b.buildComponents},
		{Title: "Building the Debian " + debianSuite + " base image", Run: b.buildBase},
		{Title: "Building component images", Run: b.buildComponentImages},
		{Title: "Preloading images into " + opts.Image, Run: func(ctx context.Context) error { return b.buildNode(ctx, recipe) }},
	}
	if err := st.Run(ctx, steps); err != nil {
		return err
	}
	if size, err := dc.ImageSize(ctx, opts.Image); err == nil {
		st.Infof("Built %s (%d MB).", opts.Image, size/1e6)
	}
	return nil
}

// startDebootstrap makes (or reuses) a root filesystem with the packages listed in an
// embedded file, in the background.
func (b *builder) startDebootstrap(ctx context.Context, prefix, list string) (string, chan error) {
	pkgs := readPackageList(mustRead(list))
	dir := filepath.Join(b.opts.CacheDir, "rootfs", prefix+debianSuite+"-"+hashOf(pkgs, debianMirror()))
	done := make(chan error, 1)
	go func() { done <- debootstrap(ctx, dir, pkgs) }()
	return dir, done
}

func mustRead(name string) []byte {
	data, err := images.Files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at compile time: cannot be missing
	}
	return data
}

// recipeHash covers every input of the node image without building anything, so an
// up-to-date image is recognised in about a second.
func (b *builder) recipeHash() (string, error) {
	recipes, err := hashFS(images.Files)
	if err != nil {
		return "", err
	}
	source, err := hashFS(kubelab.Source)
	if err != nil {
		return "", err
	}
	r := b.rel
	return hashOf(builderHash(), r.Kubernetes, r.Etcd, r.CoreDNS, r.Pause, containerdVersion, localPathVersion, recipes, source, goVersion(), debianMirror()), nil
}

func (b *builder) buildKubernetes(ctx context.Context) error {
	w, builds, err := b.rel.kubernetesBuild(ctx)
	if err != nil {
		return err
	}
	dir, err := b.gob.build(ctx, w, builds)
	if err != nil {
		return err
	}
	for _, name := range kubernetesBinaries {
		b.bins[name] = filepath.Join(dir, name)
	}
	return nil
}

func (b *builder) buildComponents(ctx context.Context) error {
	type job struct {
		spec  func(context.Context) (goWrapper, []goBuild, error)
		names []string
	}
	jobs := []job{
		{b.rel.etcdBuild, []string{"etcd"}},
		{b.rel.corednsBuild, []string{"coredns"}},
		{containerdBuild, []string{"containerd", "ctr", "containerd-shim-runc-v2"}},
		{localPathBuild, []string{"local-path-provisioner"}},
		{traefikBuild, []string{"traefik"}},
		{metricsServerBuild, []string{"metrics-server"}},
		{ownBuild, []string{"kubelab-echo", "kubelab-netd", "kubelab-lb", "kubelab-bootcamp-v1", "kubelab-bootcamp-v2"}},
	}
	for _, j := range jobs {
		w, builds, err := j.spec(ctx)
		if err != nil {
			return err
		}
		dir, err := b.gob.build(ctx, w, builds)
		if err != nil {
			return err
		}
		for _, n := range j.names {
			b.bins[n] = filepath.Join(dir, n)
		}
	}
	pause, err := b.buildPause(ctx)
	b.bins["pause"] = pause
	return err
}

// ownBuild compiles kubelab's in-cluster programs from the source embedded in kubelab.
func ownBuild(context.Context) (goWrapper, []goBuild, error) {
	return goWrapper{Name: "kubelab", Tree: kubelab.Source}, []goBuild{
		{Packages: []string{"./cmd/kubelab-echo"}, Output: "kubelab-echo"},
		{Packages: []string{"./cmd/kubelab-netd"}, Output: "kubelab-netd"},
		{Packages: []string{"./cmd/kubelab-lb"}, Output: "kubelab-lb"},
		{Packages: []string{"./cmd/kubelab-bootcamp"}, Output: "kubelab-bootcamp-v1", Ldflags: []string{"-X main.version=1"}},
		{Packages: []string{"./cmd/kubelab-bootcamp"}, Output: "kubelab-bootcamp-v2", Ldflags: []string{"-X main.version=2"}},
	}, nil
}

// buildPause compiles Kubernetes' own pause.c statically (it is C, not Go).
func (b *builder) buildPause(ctx context.Context) (string, error) {
	src := filepath.Join(b.rel.k8sDir, "build/pause/linux/pause.c")
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.opts.CacheDir, "bin", "pause-"+b.rel.Pause+"-"+hashOf(string(data)))
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

// buildBase imports the Debian root filesystem plus kubelab's node files and containerd
// as the base image.
func (b *builder) buildBase(ctx context.Context) error {
	if err := <-b.rootfsDone; err != nil {
		return err
	}
	overlay, err := hashFS(images.Files)
	if err != nil {
		return err
	}
	var binHashes []string
	for _, n := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
		binHashes = append(binHashes, b.bins[n])
	}
	hash := hashOf(builderHash(), b.rootfs, overlay, binHashes)
	b.baseRef = "kubelab/base:" + debianSuite + "-" + hash
	return b.importIfChanged(ctx, b.baseRef, hash, []string{
		`ENTRYPOINT ["/usr/local/bin/kubelab-entrypoint"]`,
		`CMD ["/sbin/init"]`,
		"ENV container=docker",
	}, func(t *tarWriter) error {
		if err := t.embedded(images.Files, "base/rootfs"); err != nil {
			return err
		}
		for _, n := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
			if err := t.hostFile("usr/local/bin/"+n, 0o755, b.bins[n]); err != nil {
				return err
			}
		}
		for _, unit := range []string{"containerd.service", "kubelet.service"} {
			if err := t.symlink("etc/systemd/system/multi-user.target.wants/"+unit, "/etc/systemd/system/"+unit); err != nil {
				return err
			}
		}
		if err := t.symlink("etc/systemd/system/default.target", "/lib/systemd/system/multi-user.target"); err != nil {
			return err
		}
		// Units that make no sense in a container, or only slow its boot down.
		for _, unit := range maskedUnits {
			if err := t.symlink("etc/systemd/system/"+unit, "/dev/null"); err != nil {
				return err
			}
		}
		// Filled in by the entrypoint on first boot: each node gets its own.
		if err := t.file("etc/machine-id", 0o444, nil); err != nil {
			return err
		}
		return t.tree(b.rootfs)
	})
}

var maskedUnits = []string{
	"getty.target", "console-getty.service", "systemd-firstboot.service",
	"systemd-modules-load.service", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
	"sys-kernel-config.mount", "systemd-remount-fs.service", "apt-daily.timer",
	"apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer", "dpkg-db-backup.timer",
}

// importIfChanged imports a root filesystem written by fill as ref, unless ref already
// carries the same inputs hash.
func (b *builder) importIfChanged(ctx context.Context, ref, hash string, changes []string, fill func(*tarWriter) error) error {
	if label, exists, err := b.dc.ImageLabel(ctx, ref, labels.Inputs); err != nil {
		return err
	} else if exists && label == hash && !b.opts.Force {
		return nil
	}
	pr, pw := io.Pipe()
	go func() {
		t := newTarWriter(pw)
		err := fill(t)
		if err == nil {
			err = t.Close()
		}
		pw.CloseWithError(err)
	}()
	changes = append(changes, "LABEL "+labels.Inputs+"="+hash)
	err := b.dc.ImportImage(ctx, pr, ref, changes)
	pr.Close()
	return err
}

const defaultPath = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// minimalEtc gives a static binary the users and files libraries expect.
func minimalEtc(t *tarWriter) error {
	files := map[string]string{
		"etc/passwd":        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":         "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
	}
	for _, name := range []string{"etc/group", "etc/nsswitch.conf", "etc/passwd"} {
		if err := t.file(name, 0o644, []byte(files[name])); err != nil {
			return err
		}
	}
	return t.dir("tmp", 0o1777)
}

type componentImage struct {
	ref      string
	hostOnly bool              // runs on the host's Docker, not in nodes: not preloaded
	ownEtc   bool              // extra brings /etc/passwd and friends
	debian   string            // the Debian package whose version the tag names
	bins     map[string]string // path in image → binary name
	changes  []string
	extra    func(*tarWriter) error
	extraKey string          // identifies what extra writes beyond the root filesystems' paths
	setuid   map[string]bool // bins installed setuid root
}

func (b *builder) componentImages() []componentImage {
	r := b.rel
	var imgs []componentImage
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		imgs = append(imgs, componentImage{
			ref:     r.controlPlaneImage(name),
			bins:    map[string]string{"usr/local/bin/" + name: name},
			changes: []string{fmt.Sprintf(`ENTRYPOINT ["/usr/local/bin/%s"]`, name)},
		})
	}
	imgs = append(imgs,
		componentImage{
			ref:     r.controlPlaneImage("kube-proxy"),
			bins:    map[string]string{"usr/local/bin/kube-proxy": "kube-proxy"},
			changes: []string{`ENTRYPOINT ["/usr/local/bin/kube-proxy"]`},
			// kube-proxy programs the node with iptables and conntrack: ship Debian's,
			// with only the packages they need.
			extra: debianSubset(b.rootfs, "iptables", "conntrack"),
		},
		componentImage{
			ref:     r.etcdImage(),
			bins:    map[string]string{"usr/local/bin/etcd": "etcd"},
			changes: []string{`ENTRYPOINT ["/usr/local/bin/etcd"]`},
			extra:   func(t *tarWriter) error { return t.dir("var/lib/etcd", 0o700) },
		},
		componentImage{
			ref:     r.corednsImage(),
			bins:    map[string]string{"coredns": "coredns"},
			changes: []string{`ENTRYPOINT ["/coredns"]`},
		},
		componentImage{
			ref:     r.pauseImage(),
			bins:    map[string]string{"pause": "pause"},
			changes: []string{`ENTRYPOINT ["/pause"]`, "USER 65535:65535"},
		},
		componentImage{
			ref:     images.Netd,
			bins:    map[string]string{"usr/local/bin/kubelab-netd": "kubelab-netd"},
			changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-netd"]`},
			// netd masquerades with iptables.
			extra: debianSubset(b.rootfs, "iptables"),
		},
		componentImage{
			ref:      images.LoadBalancer,
			hostOnly: true,
			bins:     map[string]string{"usr/local/bin/kubelab-lb": "kubelab-lb"},
			changes:  []string{`ENTRYPOINT ["/usr/local/bin/kubelab-lb"]`, "EXPOSE 6443", "USER 65532:65532"},
		},
		componentImage{
			ref:     images.LocalPathProvisioner,
			bins:    map[string]string{"usr/local/bin/local-path-provisioner": "local-path-provisioner"},
			changes: []string{`ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]`},
		},
		componentImage{
			ref:  images.Traefik,
			bins: map[string]string{"usr/local/bin/traefik": "traefik"},
			// Unprivileged: it listens on 8000/8443 and the pod maps the node's 80/443 there.
			changes: []string{`ENTRYPOINT ["/usr/local/bin/traefik"]`, "EXPOSE 8000 8443", "USER 65532:65532"},
		},
		componentImage{
			ref:     images.MetricsServer,
			bins:    map[string]string{"metrics-server": "metrics-server"},
			changes: []string{`ENTRYPOINT ["/metrics-server"]`, "USER 65534:65534"},
		},
		componentImage{
			ref:     images.BootcampV1,
			bins:    map[string]string{"usr/local/bin/kubelab-bootcamp": "kubelab-bootcamp-v1"},
			changes: []string{`CMD ["/usr/local/bin/kubelab-bootcamp"]`, "EXPOSE 8080"},
			extra:   busybox(b.apps),
		},
		componentImage{
			ref:     images.BootcampV2,
			bins:    map[string]string{"usr/local/bin/kubelab-bootcamp": "kubelab-bootcamp-v2"},
			changes: []string{`CMD ["/usr/local/bin/kubelab-bootcamp"]`, "EXPOSE 8080"},
			extra:   busybox(b.apps),
		},
		componentImage{
			ref:     images.Busybox,
			debian:  "busybox-static",
			changes: []string{`CMD ["sh"]`},
			extra:   busybox(b.apps),
		},
		componentImage{
			ref:     images.Nginx,
			debian:  "nginx-light",
			changes: []string{`CMD ["nginx", "-g", "daemon off;"]`, "EXPOSE 80"},
			ownEtc:  true,
			extra:   nginx(b.apps),
		},
		componentImage{
			ref:     images.Echo,
			bins:    map[string]string{"usr/local/bin/kubelab-echo": "kubelab-echo"},
			changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-echo"]`, "EXPOSE 8080", "USER 65532:65532"},
		},
	)
	return imgs
}

// debianSubset copies the files of some Debian packages, with their dependencies, from
// a root filesystem.
func debianSubset(root string, pkgs ...string) func(*tarWriter) error {
	return func(t *tarWriter) error {
		closure, err := dpkgClosure(root, pkgs)
		if err != nil {
			return err
		}
		// Merged /usr: /lib64 → usr/lib64 and friends belong to no package, yet every
		// dynamic binary names its loader through /lib64.
		for _, top := range []string{"bin", "sbin", "lib", "lib64"} {
			if st, err := os.Lstat(filepath.Join(root, top)); err == nil && st.Mode()&os.ModeSymlink != 0 {
				if err := t.fromDisk(root, top); err != nil {
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
				if err := t.fromDisk(root, f); err != nil && !errors.Is(err, os.ErrNotExist) {
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
			if err := t.fromDisk(root, rel); err != nil {
				return err
			}
			for _, dir := range []string{"usr/bin", "usr/sbin"} {
				link := filepath.Join(dir, filepath.Base(a))
				if l, err := os.Readlink(filepath.Join(root, link)); err == nil && l == "/"+rel {
					if err := t.fromDisk(root, link); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
}

// busybox adds Debian's static busybox with a link for each of its applets: a shell and
// the usual tools (wget, ls, cat, nslookup...) in 2 MB.
func busybox(root string) func(*tarWriter) error {
	return func(t *tarWriter) error {
		bin := filepath.Join(root, "usr/bin/busybox")
		if err := t.fromDisk(root, "usr/bin/busybox"); err != nil {
			return err
		}
		out, err := exec.Command(bin, "--list").Output()
		if err != nil {
			return fmt.Errorf("busybox --list: %w", err)
		}
		for _, applet := range strings.Fields(string(out)) {
			if !t.written["usr/bin/"+applet] {
				if err := t.symlink("usr/bin/"+applet, "busybox"); err != nil {
					return err
				}
			}
		}
		for _, top := range []string{"bin", "sbin"} {
			if !t.written[top] {
				if err := t.symlink(top, "usr/bin"); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// nginx adds Debian's nginx-light, its configuration and default page, logging to the
// container's output as every nginx image does.
func nginx(root string) func(*tarWriter) error {
	return func(t *tarWriter) error {
		for _, f := range []string{"etc/passwd", "etc/group", "etc/nsswitch.conf"} {
			if err := t.fromDisk(root, f); err != nil {
				return err
			}
		}
		for _, dir := range []string{"etc/nginx", "var/www"} {
			if err := t.subtree(root, dir); err != nil {
				return err
			}
		}
		if err := t.symlink("var/log/nginx/access.log", "/dev/stdout"); err != nil {
			return err
		}
		if err := t.symlink("var/log/nginx/error.log", "/dev/stderr"); err != nil {
			return err
		}
		for _, d := range []string{"var/lib/nginx", "run"} {
			if err := t.dir(d, 0o755); err != nil {
				return err
			}
		}
		if err := t.dir("tmp", 0o1777); err != nil {
			return err
		}
		return debianSubset(root, "nginx-light")(t)
	}
}

func (b *builder) buildComponentImages(ctx context.Context) error {
	if err := <-b.appsDone; err != nil {
		return err
	}
	b.componentRefs = nil
	for _, img := range b.componentImages() {
		if img.debian != "" {
			v := minorVersion(dpkgVersion(b.apps, img.debian))
			if !strings.HasSuffix(img.ref, ":"+v) {
				return fmt.Errorf("image %s: Debian's %s is now version %s; update its tag in images/images.go", img.ref, img.debian, v)
			}
		}
		if err := b.importComponent(ctx, img); err != nil {
			return err
		}
		if !img.hostOnly {
			b.componentRefs = append(b.componentRefs, img.ref)
		}
	}
	return nil
}

// importComponent imports one image made of built binaries and Debian files, unless an
// image of the same inputs is there already.
func (b *builder) importComponent(ctx context.Context, img componentImage) error {
	var binHashes []string
	for dst, name := range img.bins {
		h, err := fileHash(b.bins[name])
		if err != nil {
			return err
		}
		binHashes = append(binHashes, dst+"="+h)
	}
	extra := img.extraKey
	if img.extra != nil {
		extra += b.rootfs + b.apps // Debian files come from these root filesystems
	}
	hash := hashOf(builderHash(), img.ref, img.changes, binHashes, extra)
	changes := append([]string{defaultPath}, img.changes...)
	return b.importIfChanged(ctx, img.ref, hash, changes, func(t *tarWriter) error {
		if !img.ownEtc {
			if err := minimalEtc(t); err != nil {
				return err
			}
		}
		for dst, name := range img.bins {
			mode := int64(0o755)
			if img.setuid[dst] {
				mode = 0o4755
			}
			if err := t.hostFile(dst, mode, b.bins[name]); err != nil {
				return err
			}
		}
		if img.extra != nil {
			return img.extra(t)
		}
		return nil
	})
}

func fileHash(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	// Binaries live in directories named by the hash of their build inputs: the path and
	// size identify them without reading 100 MB files.
	return hashOf(path, st.Size()), nil
}

// buildNode starts a container of the base image, imports every component image into
// its containerd (unpacked, so pods start without unpacking), and commits the result.
func (b *builder) buildNode(ctx context.Context, recipe string) error {
	sec, err := b.dc.DetectSecurity(ctx, b.baseRef)
	if err != nil {
		return err
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "kubelab-build-" + hex.EncodeToString(suffix)
	const work = "/kubelab-build"
	if err := b.dc.RunBuildContainer(ctx, name, b.baseRef, sec, work); err != nil {
		return err
	}
	defer b.dc.DeleteNode(context.WithoutCancel(ctx), name)

	// Kubernetes' node binaries.
	pr, pw := io.Pipe()
	go func() {
		t := newTarWriter(pw)
		var err error
		for _, n := range []string{"kubelet", "kubeadm", "kubectl"} {
			if err = t.hostFile("usr/local/bin/"+n, 0o755, b.bins[n]); err != nil {
				break
			}
		}
		if err == nil {
			err = t.Close()
		}
		pw.CloseWithError(err)
	}()
	if err := b.dc.Extract(ctx, name, "/", pr); err != nil {
		return err
	}

	// containerd's store is built on the volume (overlayfs cannot sit on the container's
	// own overlay root) and copied into the image afterwards.
	sock := "/run/kubelab-build/containerd.sock"
	run := func(stdin io.Reader, cmd ...string) error {
		return b.dc.Exec(ctx, name, cmd, docker.ExecOptions{Stdin: stdin})
	}
	if err := run(nil, "sh", "-c", "mkdir -p /run/kubelab-build && printf 'version = 3\\n' > "+work+"/config.toml && "+
		"(containerd --config "+work+"/config.toml --root "+work+"/containerd --state /run/kubelab-build --address "+sock+
		" >"+work+"/containerd.log 2>&1 &)"); err != nil {
		return err
	}
	ctr := []string{"ctr", "--address", sock, "--namespace", "k8s.io"}
	if err := waitFor(ctx, 30*time.Second, func() error { return run(nil, append(ctr, "version")...) }); err != nil {
		var log bytes.Buffer
		_ = b.dc.Exec(ctx, name, []string{"cat", work + "/containerd.log"}, docker.ExecOptions{Stdout: &log, Stderr: &log})
		return fmt.Errorf("containerd did not start in the build container: %v\n%s", err, tailLines(log.String(), 20))
	}
	saved, err := b.dc.SaveImages(ctx, b.componentRefs)
	if err != nil {
		return err
	}
	defer saved.Close()
	// --discard-unpacked-layers: keep only the unpacked snapshots, not a second copy of
	// every layer; a node never pushes images, so the blobs are dead weight.
	if err := run(saved, append(ctr, "images", "import", "--local", "--snapshotter", "overlayfs", "--discard-unpacked-layers", "-")...); err != nil {
		return err
	}
	// Collect the discarded layers now: removing an image with --sync runs the garbage
	// collector before it returns.
	gcTag := "kubelab.local/gc:" + hex.EncodeToString(suffix)
	if err := run(nil, append(ctr, "images", "tag", b.rel.pauseImage(), gcTag)...); err != nil {
		return err
	}
	if err := run(nil, append(ctr, "images", "rm", "--sync", gcTag)...); err != nil {
		return err
	}
	if err := run(nil, "sh", "-c", "pkill -x containerd; while pgrep -x containerd >/dev/null; do sleep 0.1; done; "+
		"mkdir -p /var/lib/containerd && cp -a "+work+"/containerd/. /var/lib/containerd/ && rm -rf /run/kubelab-build"); err != nil {
		return err
	}
	old := b.dc.ImageID(ctx, b.opts.Image)
	if err := b.dc.CommitContainer(ctx, name, b.opts.Image, []string{
		`ENTRYPOINT ["/usr/local/bin/kubelab-entrypoint"]`,
		`CMD ["/sbin/init"]`,
		"LABEL " + labels.Inputs + "=" + recipe,
		"LABEL " + labels.KubernetesVersion + "=" + b.rel.Kubernetes,
	}); err != nil {
		return err
	}
	if old != "" && old != b.dc.ImageID(ctx, b.opts.Image) {
		_ = b.dc.RemoveImage(ctx, old) // the previous build, unless a node still uses it
	}
	return nil
}

// waitFor retries check until it succeeds or timeout passes, backing off from 50 ms.
func waitFor(ctx context.Context, timeout time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}
