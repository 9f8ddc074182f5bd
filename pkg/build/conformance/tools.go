package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/nodeimage"
	"github.com/kubelab/kubelab/pkg/build/registry"
)

// buildE2E compiles the suite and agnhost/nonewprivs in the same wrapper module as the
// node's Kubernetes binaries, with the same version stamp (the suite checks the server's).
func (b *builder) buildE2E(ctx context.Context) error {
	w, nodeBuilds, err := b.rel.KubernetesBuild(ctx)
	if err != nil {
		return err
	}
	dir, err := b.gob.Build(ctx, w, nodeBuilds)
	if err != nil {
		return err
	}
	// kubectl is a multi-call binary: the link OutDir/kubectl calls it by that name.
	b.bins["kubectl"] = filepath.Join(dir, nodeimage.KubernetesTools)
	ld := nodeBuilds[0].Ldflags
	dir, err = b.gob.Build(ctx, w, []gomod.Build{
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

// buildHelpers builds ginkgo at the version Kubernetes' go.mod requires, the aggregated
// API server the aggregator test deploys, and the registry.
func (b *builder) buildHelpers(ctx context.Context) error {
	for _, spec := range []func(context.Context) (gomod.Wrapper, []gomod.Build, error){b.ginkgoBuild, b.sampleAPIServerBuild, registry.Build} {
		w, builds, err := spec(ctx)
		if err != nil {
			return err
		}
		dir, err := b.gob.Build(ctx, w, builds)
		if err != nil {
			return err
		}
		b.bins[builds[0].Output] = filepath.Join(dir, builds[0].Output)
	}
	return nil
}

func (b *builder) ginkgoBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	data, err := os.ReadFile(filepath.Join(b.rel.SourceDir(), "go.mod"))
	if err != nil {
		return gomod.Wrapper{}, nil, err
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return gomod.Wrapper{}, nil, err
	}
	const ginkgoModule = "github.com/onsi/ginkgo/v2"
	ginkgoVersion := ""
	for _, r := range f.Require {
		if r.Mod.Path == ginkgoModule {
			ginkgoVersion = r.Mod.Version
		}
	}
	if ginkgoVersion == "" {
		return gomod.Wrapper{}, nil, fmt.Errorf("kubernetes %s does not require %s", b.rel.Kubernetes, ginkgoModule)
	}
	up, err := gomod.ReadUpstream(ctx, ginkgoModule, ginkgoVersion)
	if err != nil {
		return gomod.Wrapper{}, nil, err
	}
	cmd := ginkgoModule + "/ginkgo"
	w := gomod.Wrapper{Name: "ginkgo-" + ginkgoVersion, Module: ginkgoModule, Version: ginkgoVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{cmd}}
	return w, []gomod.Build{{Packages: []string{cmd}, Output: "ginkgo"}}, nil
}

func (b *builder) sampleAPIServerBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	// k8s.io/sample-apiserver is published with every release, as v0.<minor>.<patch>.
	const sampleModule = "k8s.io/sample-apiserver"
	v := "v0" + strings.TrimPrefix(b.rel.Kubernetes, "v1")
	up, err := gomod.ReadUpstream(ctx, sampleModule, v)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("sample-apiserver %s: %w", v, err)
	}
	w := gomod.Wrapper{Name: "sample-apiserver-" + v, Module: sampleModule, Version: v,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{sampleModule}}
	return w, []gomod.Build{{Packages: []string{sampleModule}, Output: "sample-apiserver"}}, nil
}
