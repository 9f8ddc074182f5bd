// Package nodeimage builds kubelab's node image from source: Kubernetes, etcd, CoreDNS,
// containerd and pause from the Go module proxy and the Kubernetes module, a Debian root
// filesystem from Debian's mirror, and every image a cluster runs preloaded into the
// node's containerd. No container registry is involved at any point. It owns the order
// of the build (Build), the Kubernetes release and the catalogue of components and
// images, the base image, pause, and the containerd preload.
package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

	kubelab "github.com/kubelab/kubelab"
	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
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

// builder carries what the steps of one node-image build hand to each other.
type builder struct {
	opts Options
	dc   docker.ImageBuilder
	rel  Release
	gob  *gomod.Builder

	rootfs        string       // the node's Debian root filesystem on disk
	rootfsDone    <-chan error // debootstrap runs while Go compiles
	apps          string       // the tutorial images' Debian root filesystem
	appsDone      <-chan error
	bins          map[string]string // binary name → built file
	baseRef       string
	componentRefs []string          // images preloaded into the node, by their names on the host
	nodeRefs      map[string]string // host name → name in the node, where they differ
}

// Build makes the node image, skipping every part whose inputs did not change. The steps
// below are the whole story of a build, in order.
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
	b := &builder{opts: opts, dc: dc, gob: &gomod.Builder{Dir: opts.CacheDir}, bins: map[string]string{}}

	st.Start("Resolving Kubernetes " + opts.KubernetesVersion)
	rel, err := ResolveRelease(ctx, opts.KubernetesVersion)
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
	b.rootfs, b.rootfsDone = imagefs.StartDebootstrap(bgCtx, opts.CacheDir, "debian-", imagefs.EmbeddedPackageList(images.Files, "base/packages.txt"))
	b.apps, b.appsDone = imagefs.StartDebootstrap(bgCtx, opts.CacheDir, "apps-", imagefs.EmbeddedPackageList(images.Files, "apps/packages.txt"))

	steps := []ui.Step{
		{Title: "Building Kubernetes " + rel.Kubernetes + " from source", Run: b.buildKubernetes},
		{Title: fmt.Sprintf("Building etcd %s, CoreDNS %s, containerd %s, pause %s, local-path-provisioner %s, Traefik %s, metrics-server %s",
			rel.Etcd, rel.CoreDNS, containerdVersion, rel.Pause, localPathVersion, traefikVersion, metricsServerVersion), Run: b.buildComponents},
		{Title: "Building the Debian " + imagefs.Suite + " base image", Run: b.buildBase},
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

// recipeHash covers every input of the node image without building anything, so an
// up-to-date image is recognised in about a second.
func (b *builder) recipeHash() (string, error) {
	recipes, err := gomod.HashFS(images.Files)
	if err != nil {
		return "", err
	}
	source, err := gomod.HashFS(kubelab.Source)
	if err != nil {
		return "", err
	}
	r := b.rel
	return gomod.HashOf(builderHash(), r.Kubernetes, r.Etcd, r.CoreDNS, r.Pause, containerdVersion, localPathVersion, recipes, source, gomod.GoVersion(), imagefs.Mirror()), nil
}

func (b *builder) buildKubernetes(ctx context.Context) error {
	w, builds, err := b.rel.KubernetesBuild(ctx)
	if err != nil {
		return err
	}
	dir, err := b.gob.Build(ctx, w, builds)
	if err != nil {
		return err
	}
	for bin := range kubernetesPrograms {
		b.bins[bin] = filepath.Join(dir, bin)
	}
	return nil
}

func (b *builder) buildComponents(ctx context.Context) error {
	for _, c := range b.rel.components() {
		w, builds, err := c.spec(ctx)
		if err != nil {
			return err
		}
		dir, err := b.gob.Build(ctx, w, builds)
		if err != nil {
			return err
		}
		for _, n := range c.binaries {
			b.bins[n] = filepath.Join(dir, n)
		}
	}
	pause, err := b.buildPause(ctx)
	b.bins["pause"] = pause
	return err
}
