package nodeimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/defaults"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/ui"
)

// ConformanceOptions of `kubelab build conformance-tools`.
type ConformanceOptions struct {
	KubernetesVersion string
	CacheDir          string
	// OutDir receives links to e2e.test, ginkgo and kubectl, images.txt (the test images
	// to load into a cluster before a run) and registry.txt (the registry image).
	OutDir string
}

// The names the conformance suite of v1.37 gives its test images
// (test/utils/image/manifest.go). Pods use them with the default pull policy, so images
// preloaded under these names are used as they are, without a registry.
const (
	e2eRegistry = "registry.k8s.io/e2e-test-images/"
)

var (
	agnhostRefs = []string{e2eRegistry + "agnhost:2.66.1", e2eRegistry + "agnhost:2.55",
		// The DNS tests' glibc querier only needs sh, dig and getent: agnhost's Debian has them.
		e2eRegistry + "glibc-dns-testing:2.1.1"}
	conformanceImageRefs = []string{e2eRegistry + "busybox:1.37.0-2", e2eRegistry + "nginx:1.27.0-2",
		e2eRegistry + "nautilus:1.8", e2eRegistry + "kitten:1.8", e2eRegistry + "nonewprivs:1.4",
		e2eRegistry + "sample-apiserver:1.29.2"}
)

// BuildConformance builds the Kubernetes conformance suite (e2e.test, ginkgo) at a
// release and the test images it runs, from the Go module proxy and Debian packages.
// Like the node image, every part is rebuilt only when its inputs change.
func BuildConformance(ctx context.Context, dc docker.ImageBuilder, st *ui.Status, opts ConformanceOptions) error {
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = defaults.KubernetesVersion
	}
	if opts.CacheDir == "" {
		opts.CacheDir = defaults.CacheDir()
	}
	if opts.OutDir == "" {
		return errors.New("no output directory given")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return errors.New("the Go toolchain is not installed: the conformance suite is built from source and needs `go` on PATH")
	}
	if err := dc.Ping(ctx); err != nil {
		return err
	}
	b := &builder{opts: Options{KubernetesVersion: opts.KubernetesVersion, CacheDir: opts.CacheDir}, dc: dc,
		gob: &goBuilder{dir: opts.CacheDir}, bins: map[string]string{}}
	st.Start("Resolving Kubernetes " + opts.KubernetesVersion)
	rel, err := resolveRelease(ctx, opts.KubernetesVersion)
	st.End(err)
	if err != nil {
		return err
	}
	b.rel = rel

	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	pkgs := readPackageList(mustReadConformance("conformance/packages.txt"))
	b.rootfs = filepath.Join(opts.CacheDir, "rootfs", "conformance-"+debianSuite+"-"+hashOf(pkgs, debianMirror()))
	b.rootfsDone = make(chan error, 1)
	go func() { b.rootfsDone <- debootstrap(bgCtx, b.rootfs, pkgs) }()
	b.apps, b.appsDone = b.startDebootstrap(bgCtx, "apps-", "apps/packages.txt")

	steps := []ui.Step{
		{Title: "Building e2e.test, kubectl and the test programs of Kubernetes " + rel.Kubernetes, Run: b.buildE2E},
		{Title: "Building ginkgo, sample-apiserver and the registry", Run: b.buildConformanceHelpers},
		{Title: "Building busybox " + busyboxVersion + " from its source in Debian's archive", Run: b.buildBusybox},
		{Title: "Building the test images", Run: b.buildTestImages},
		{Title: "Linking the tools into " + opts.OutDir, Run: func(context.Context) error { return b.linkConformance(opts.OutDir) }},
	}
	return st.Run(ctx, steps)
}

func mustReadConformance(name string) []byte {
	data, err := images.Conformance.ReadFile(name)
	if err != nil {
		panic(err) // embedded at compile time
	}
	return data
}

// buildE2E compiles the suite and agnhost/nonewprivs in the same wrapper module as the
// node's Kubernetes binaries, with the same version stamp (the suite checks the server's).
func (b *builder) buildE2E(ctx context.Context) error {
	w, nodeBuilds, err := b.rel.kubernetesBuild(ctx)
	if err != nil {
		return err
	}
	dir, err := b.gob.build(ctx, w, nodeBuilds)
	if err != nil {
		return err
	}
	b.bins["kubectl"] = filepath.Join(dir, "kubectl")
	ld := nodeBuilds[0].Ldflags
	dir, err = b.gob.build(ctx, w, []goBuild{
		{Packages: []string{"k8s.io/kubernetes/test/e2e"}, Output: "e2e.test", Ldflags: ld, Test: true},
		{Packages: []string{"k8s.io/kubernetes/test/images/agnhost"}, Output: "agnhost"},
		{Packages: []string{"k8s.io/kubernetes/test/images/nonewprivs"}, Output: "nnp"},
	})
	if err != nil {
		return err
	}
	for _, n := range []string{"e2e.test", "agnhost", "nnp"} {
		b.bins[n] = filepath.Join(dir, n)
	}
	return nil
}

// buildConformanceHelpers builds ginkgo at the version Kubernetes' go.mod requires, and
// the aggregated API server the aggregator test deploys.
func (b *builder) buildConformanceHelpers(ctx context.Context) error {
	data, err := os.ReadFile(filepath.Join(b.rel.k8sDir, "go.mod"))
	if err != nil {
		return err
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return err
	}
	const ginkgoModule = "github.com/onsi/ginkgo/v2"
	ginkgoVersion := ""
	for _, r := range f.Require {
		if r.Mod.Path == ginkgoModule {
			ginkgoVersion = r.Mod.Version
		}
	}
	if ginkgoVersion == "" {
		return fmt.Errorf("kubernetes %s does not require %s", b.rel.Kubernetes, ginkgoModule)
	}
	up, err := readUpstreamGoMod(ctx, ginkgoModule, ginkgoVersion)
	if err != nil {
		return err
	}
	cmd := ginkgoModule + "/ginkgo"
	w := goWrapper{Name: "ginkgo-" + ginkgoVersion, Module: ginkgoModule, Version: ginkgoVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{cmd}}
	dir, err := b.gob.build(ctx, w, []goBuild{{Packages: []string{cmd}, Output: "ginkgo"}})
	if err != nil {
		return err
	}
	b.bins["ginkgo"] = filepath.Join(dir, "ginkgo")

	// k8s.io/sample-apiserver is published with every release, as v0.<minor>.<patch>.
	const sampleModule = "k8s.io/sample-apiserver"
	v := "v0" + strings.TrimPrefix(b.rel.Kubernetes, "v1")
	up, err = readUpstreamGoMod(ctx, sampleModule, v)
	if err != nil {
		return fmt.Errorf("sample-apiserver %s: %w", v, err)
	}
	w = goWrapper{Name: "sample-apiserver-" + v, Module: sampleModule, Version: v,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{sampleModule}}
	dir, err = b.gob.build(ctx, w, []goBuild{{Packages: []string{sampleModule}, Output: "sample-apiserver"}})
	if err != nil {
		return err
	}
	b.bins["sample-apiserver"] = filepath.Join(dir, "sample-apiserver")

	// Two specs pull with imagePullPolicy Always: a registry on the cluster's network
	// serves them their images (nodes are pointed at it as a mirror of the suite's).
	const registryModule = "github.com/distribution/distribution/v3"
	up, err = readUpstreamGoMod(ctx, registryModule, registryVersion)
	if err != nil {
		return fmt.Errorf("distribution %s: %w", registryVersion, err)
	}
	cmd = registryModule + "/cmd/registry"
	w = goWrapper{Name: "distribution-" + registryVersion, Module: registryModule, Version: registryVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	dir, err = b.gob.build(ctx, w, []goBuild{{Packages: []string{cmd}, Output: "registry",
		Ldflags: []string{"-X " + registryModule + "/version.version=" + registryVersion}}})
	if err != nil {
		return err
	}
	b.bins["registry"] = filepath.Join(dir, "registry")
	return nil
}

// The registry (github.com/distribution/distribution) image, run on the host's Docker.
const (
	registryVersion = "v3.1.2"
	RegistryImage   = "kubelab/registry:" + registryVersion
)

// registryConfig keeps images on the container's disk and serves plain HTTP on 5000,
// with no authentication: it lives on the cluster's private network for one test run.
const registryConfig = `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
`

// testImages are the suite's images, as kubelab builds them: agnhost on a Debian with the
// tools the tests run in it (curl, dig, nc, getent, sh...), busybox and nginx from Debian,
// and the small single-binary ones.
func (b *builder) testImages() []componentImage {
	k8s := b.rel.k8sDir
	// agnhost's tools: the listed packages and what they depend on, plus the shell and
	// the basic commands the tests' scripts use.
	tools := append([]string{"dash", "coreutils", "grep", "findutils", "sed", "libc-bin"},
		readPackageList(mustReadConformance("conformance/packages.txt"))...)
	certs := func(t *tarWriter) error {
		// Tests serve or read these files relative to /.
		for _, f := range []string{"localhost.crt", "localhost.key"} {
			if err := t.hostFile(f, 0o644, filepath.Join(k8s, "test/images/agnhost/porter", f)); err != nil {
				return err
			}
		}
		return nil
	}
	imgs := []componentImage{{
		ref: agnhostRefs[0], bins: map[string]string{"agnhost": "agnhost"},
		changes: []string{`ENTRYPOINT ["/agnhost"]`, `CMD ["pause"]`, "WORKDIR /", "EXPOSE 80 8080 8081 9376 5000"},
		extra: func(t *tarWriter) error {
			// Tests run /agnhost-2 to tell the entrypoint from the command.
			if err := t.symlink("agnhost-2", "agnhost"); err != nil {
				return err
			}
			if err := certs(t); err != nil {
				return err
			}
			if err := t.dir("uploads", 0o755); err != nil {
				return err
			}
			return debianSubset(b.rootfs, tools...)(t)
		},
	}}
	// nautilus and kitten: agnhost's web server serving a picture and a data.json naming it.
	for _, name := range []string{"nautilus", "kitten"} {
		html := filepath.Join(k8s, "test/images", name, "html")
		imgs = append(imgs, componentImage{
			ref: e2eRegistry + name + ":1.8", bins: map[string]string{"agnhost": "agnhost"},
			changes:  []string{`ENTRYPOINT ["/agnhost"]`, `CMD ["test-webserver"]`, "WORKDIR /", "EXPOSE 80"},
			extraKey: name,
			extra: func(t *tarWriter) error {
				for _, f := range []string{name + ".jpg", "data.json"} {
					if err := t.hostFile(f, 0o644, filepath.Join(html, f)); err != nil {
						return err
					}
				}
				if name == "kitten" {
					// The image-volume test reads the image's os-release and expects the
					// upstream image's Alpine base; say plainly what this one is.
					return t.file("etc/os-release", 0o644, []byte("NAME=\"kubelab kitten\"\nID=debian\n"+
						"PRETTY_NAME=\"kubelab's Debian-based stand-in for the Alpine Linux kitten test image\"\n"))
				}
				return certs(t)
			},
		})
	}
	imgs = append(imgs,
		// Upstream busybox, as the suite's image has it (see buildBusybox), every applet in /bin.
		componentImage{ref: e2eRegistry + "busybox:1.37.0-2", bins: map[string]string{"bin/busybox": "busybox"},
			changes: []string{`CMD ["sh"]`}, extraKey: "busybox-applets", extra: func(t *tarWriter) error {
				out, err := exec.Command(b.bins["busybox"], "--list").Output()
				if err != nil {
					return fmt.Errorf("busybox --list: %w", err)
				}
				for _, applet := range strings.Fields(string(out)) {
					if applet != "busybox" {
						if err := t.symlink("bin/"+applet, "busybox"); err != nil {
							return err
						}
					}
				}
				return nil
			}},
		componentImage{ref: e2eRegistry + "nginx:1.27.0-2", ownEtc: true, extra: nginx(b.apps),
			changes: []string{`CMD ["nginx", "-g", "daemon off;"]`, "EXPOSE 80"}},
		// nnp prints its effective uid: setuid root, it shows whether no_new_privs held.
		componentImage{ref: e2eRegistry + "nonewprivs:1.4", bins: map[string]string{"usr/local/bin/nnp": "nnp"},
			setuid: map[string]bool{"usr/local/bin/nnp": true}, changes: []string{`CMD ["nnp"]`}},
		componentImage{ref: e2eRegistry + "sample-apiserver:1.29.2", bins: map[string]string{"sample-apiserver": "sample-apiserver"},
			changes: []string{`ENTRYPOINT ["/sample-apiserver"]`}},
		componentImage{ref: RegistryImage, hostOnly: true, bins: map[string]string{"usr/local/bin/registry": "registry"},
			changes:  []string{`ENTRYPOINT ["/usr/local/bin/registry"]`, `CMD ["serve", "/etc/distribution/config.yml"]`, "EXPOSE 5000"},
			extraKey: registryConfig, extra: func(t *tarWriter) error {
				if err := t.file("etc/distribution/config.yml", 0o644, []byte(registryConfig)); err != nil {
					return err
				}
				return t.dir("var/lib/registry", 0o755)
			}},
	)
	return imgs
}

func (b *builder) buildTestImages(ctx context.Context) error {
	if err := <-b.rootfsDone; err != nil {
		return err
	}
	if err := <-b.appsDone; err != nil {
		return err
	}
	imgs := b.testImages()
	for _, img := range imgs {
		img.extraKey += conformanceHash()
		if err := b.importComponent(ctx, img); err != nil {
			return err
		}
		if !img.hostOnly {
			b.componentRefs = append(b.componentRefs, img.ref)
		}
	}
	// The other agnhost versions and the DNS test image are agnhost itself: copies that
	// share its layers (loaded into nodes once) but each have their own image ID.
	for _, ref := range agnhostRefs[1:] {
		if err := b.dc.DeriveImage(ctx, agnhostRefs[0], ref); err != nil {
			return err
		}
		b.componentRefs = append(b.componentRefs, ref)
	}
	return nil
}

// linkConformance points OutDir's e2e.test, ginkgo and kubectl at the cached builds and
// lists the test images in images.txt.
func (b *builder) linkConformance(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, n := range []string{"e2e.test", "ginkgo", "kubectl"} {
		link := filepath.Join(out, n)
		_ = os.Remove(link + ".new")
		if err := os.Symlink(b.bins[n], link+".new"); err != nil {
			return err
		}
		if err := os.Rename(link+".new", link); err != nil {
			return err
		}
	}
	refs := append([]string{}, b.componentRefs...)
	sort.Strings(refs)
	if err := os.WriteFile(filepath.Join(out, "images.txt"), []byte(strings.Join(refs, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "registry.txt"), []byte(RegistryImage+"\n"), 0o644)
}

// The suite's busybox image is upstream busybox. Debian's busybox differs where a test
// notices: its ash drops environment variables whose names are not shell identifiers
// (a ConfigMap key such as data-1), which upstream's passes on to children. So build
// upstream's release from the pristine source tarball in Debian's archive, statically,
// with its default configuration.
const (
	busyboxVersion = "1.37.0"
	busyboxSHA256  = "3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4"
)

func (b *builder) buildBusybox(ctx context.Context) error {
	out := filepath.Join(b.opts.CacheDir, "bin", "busybox-"+busyboxVersion+"-"+hashOf(busyboxSHA256, "defconfig+static"))
	b.bins["busybox"] = filepath.Join(out, "busybox")
	if _, err := os.Stat(b.bins["busybox"]); err == nil {
		return nil
	}
	for _, tool := range []string{"gcc", "make", "bzip2"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (needed to build busybox): apt-get install gcc make bzip2 libc6-dev", tool)
		}
	}
	mirror := debianMirror()
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	name := "busybox_" + busyboxVersion + ".orig.tar.bz2"
	tarball := filepath.Join(b.opts.CacheDir, "src", name)
	if err := download(ctx, strings.TrimSuffix(mirror, "/")+"/pool/main/b/busybox/"+name, tarball, busyboxSHA256); err != nil {
		return err
	}
	src := filepath.Join(b.opts.CacheDir, "src", "busybox-"+busyboxVersion)
	_ = os.RemoveAll(src)
	steps := [][]string{
		{"tar", "-xjf", tarball, "-C", filepath.Dir(src)},
		{"make", "-C", src, "defconfig"},
		// A static binary: the image holds nothing else.
		{"sed", "-i", "s/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/", filepath.Join(src, ".config")},
		{"make", "-C", src, fmt.Sprintf("-j%d", runtime.NumCPU()), "busybox"},
	}
	for _, argv := range steps {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tailLines(string(msg), 20))
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(src, "busybox"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.bins["busybox"]+".tmp", data, 0o755); err != nil {
		return err
	}
	return os.Rename(b.bins["busybox"]+".tmp", b.bins["busybox"])
}

// download fetches url into path unless a file with the expected SHA-256 is there.
func download(ctx context.Context, url, path, sha string) error {
	if sum, err := fileSHA256(path); err == nil && sum == sha {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", url, resp.Status)
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("download %s: %w", url, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if sum, err := fileSHA256(path + ".tmp"); err != nil || sum != sha {
		return fmt.Errorf("download %s: SHA-256 %s, want %s", url, sum, sha)
	}
	return os.Rename(path+".tmp", path)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
