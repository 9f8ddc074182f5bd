// Package conformance builds the Kubernetes conformance suite of a release (e2e.test,
// ginkgo, kubectl) and the test images it runs, from the Go module proxy and Debian
// packages, under the names the suite expects. It shares the Kubernetes build and the
// image assembly with the node image (packages nodeimage, gomod and imagefs).
package conformance

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
	"github.com/kubelab/kubelab/pkg/build/nodeimage"
	"github.com/kubelab/kubelab/pkg/defaults"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/ui"
)

// Options of `kubelab build conformance-tools`.
type Options struct {
	KubernetesVersion string
	CacheDir          string
	// OutDir receives links to e2e.test, ginkgo and kubectl, images.txt (the test images
	// to load into a cluster before a run) and registry.txt (the registry image).
	OutDir string
}

// builder carries what the steps of one build hand to each other.
type builder struct {
	opts Options
	dc   docker.ImageBuilder
	rel  nodeimage.Release
	gob  *gomod.Builder

	rootfs     string       // agnhost's Debian root filesystem (conformance/packages.txt)
	rootfsDone <-chan error // debootstrap runs while Go compiles
	apps       string       // the tutorial images' Debian root filesystem, for nginx
	appsDone   <-chan error
	bins       map[string]string // binary name → built file
	imageRefs  []string          // the test images to load into a cluster
}

// Build builds the Kubernetes conformance suite (e2e.test, ginkgo) at a release and the
// test images it runs, from the Go module proxy and Debian packages. Like the node image,
// every part is rebuilt only when its inputs change. The steps below are the whole story
// of a build, in order.
func Build(ctx context.Context, dc docker.ImageBuilder, st *ui.Status, opts Options) error {
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
	b := &builder{opts: opts, dc: dc, gob: &gomod.Builder{Dir: opts.CacheDir}, bins: map[string]string{}}
	st.Start("Resolving Kubernetes " + opts.KubernetesVersion)
	rel, err := nodeimage.ResolveRelease(ctx, opts.KubernetesVersion)
	st.End(err)
	if err != nil {
		return err
	}
	b.rel = rel

	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.rootfs, b.rootfsDone = imagefs.StartDebootstrap(bgCtx, opts.CacheDir, "conformance-", imagefs.EmbeddedPackageList(images.Conformance, "conformance/packages.txt"))
	b.apps, b.appsDone = imagefs.StartDebootstrap(bgCtx, opts.CacheDir, "apps-", imagefs.EmbeddedPackageList(images.Files, "apps/packages.txt"))

	steps := []ui.Step{
		{Title: "Building e2e.test, kubectl and the test programs of Kubernetes " + rel.Kubernetes, Run: b.buildE2E},
		{Title: "Building ginkgo, sample-apiserver and the registry", Run: b.buildHelpers},
		{Title: "Building busybox " + busyboxVersion + " from its source in Debian's archive", Run: b.buildBusybox},
		{Title: "Building the test images", Run: b.buildTestImages},
		{Title: "Linking the tools into " + opts.OutDir, Run: func(context.Context) error { return b.link(opts.OutDir) }},
	}
	return st.Run(ctx, steps)
}

// link points OutDir's e2e.test, ginkgo and kubectl at the cached builds and lists the
// test images in images.txt.
func (b *builder) link(out string) error {
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
	refs := append([]string{}, b.imageRefs...)
	sort.Strings(refs)
	if err := os.WriteFile(filepath.Join(out, "images.txt"), []byte(strings.Join(refs, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "registry.txt"), []byte(RegistryImage+"\n"), 0o644)
}
