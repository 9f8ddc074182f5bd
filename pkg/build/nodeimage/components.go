package nodeimage

import (
	"context"
	"fmt"
	"sort"
	"strings"

	kubelab "github.com/kubelab/kubelab"
	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/registry"
)

// Versions of third-party programs that kubeadm does not choose.
const (
	containerdModule  = "github.com/containerd/containerd/v2"
	containerdVersion = "v2.4.2"

	localPathModule  = "github.com/rancher/local-path-provisioner"
	localPathVersion = "v0.0.30"

	traefikModule  = "github.com/traefik/traefik/v3"
	traefikVersion = "v3.6.12"

	metricsServerModule  = "sigs.k8s.io/metrics-server"
	metricsServerVersion = "v0.9.0"
)

// component is one wrapper module of the node's programs and the binaries it gives.
type component struct {
	spec     func(context.Context) (gomod.Wrapper, []gomod.Build, error)
	binaries []string
}

// components are the node's Go programs besides Kubernetes, built in this order.
func (r Release) components() []component {
	return []component{
		{r.etcdBuild, []string{"etcd"}},
		{r.corednsBuild, []string{"coredns"}},
		{containerdBuild, []string{"containerd", "ctr", "containerd-shim-runc-v2"}},
		{localPathBuild, []string{"local-path-provisioner"}},
		{traefikBuild, []string{"traefik"}},
		{metricsServerBuild, []string{"metrics-server"}},
		// The local registry of `kubelab create cluster --registry`, run on the host.
		{registry.Build, []string{registry.Binary}},
		{ownBuild, []string{"kubelab-echo", "kubelab-netd", "kubelab-netpol", "kubelab-lb", "kubelab-dashboard", "kubelab-bootcamp-v1", "kubelab-bootcamp-v2"}},
	}
}

// The programs built from k8s.io/kubernetes: two multi-call binaries (see
// images/kubernetes), each program a link to one of them.
const (
	KubernetesDaemons = "kubernetes-daemons"
	KubernetesTools   = "kubernetes-tools"
)

// kubernetesPrograms are the link names of each multi-call binary.
var kubernetesPrograms = map[string][]string{
	KubernetesDaemons: {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet"},
	KubernetesTools:   {"kubeadm", "kubectl"},
}

// KubernetesBuild is the wrapper module of Kubernetes' programs, stamped with the
// release's version; the conformance suite is built in the same module.
func (r Release) KubernetesBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, "k8s.io/kubernetes", r.Kubernetes)
	if err != nil {
		return gomod.Wrapper{}, nil, err
	}
	// k8s.io/kubernetes replaces its staging modules (k8s.io/api, client-go, ...) with
	// local directories, which do not exist outside its repository: use the published
	// v0.<minor>.<patch> versions of each instead.
	stagingVersion := "v0" + strings.TrimPrefix(r.Kubernetes, "v1")
	// Its own directory: the wrapper of the separate upstream mains, used by older kubelabs
	// on the same machine, is left alone.
	w := gomod.Wrapper{Name: "kubernetes-multicall-" + r.Kubernetes, Module: "k8s.io/kubernetes", Version: r.Kubernetes, GoDirective: up.Go, Godebug: up.Godebug,
		Files: map[string][]byte{}}
	for _, path := range sortedKeys(up.Local) {
		w.Replace = append(w.Replace, fmt.Sprintf("%s => %s %s", path, path, stagingVersion))
	}
	// The upstream mains as tool directives keep every package the multi-call mains
	// import required in go.mod.
	for _, names := range kubernetesPrograms {
		for _, n := range names {
			w.Tools = append(w.Tools, "k8s.io/kubernetes/cmd/"+n)
		}
	}
	sort.Strings(w.Tools)
	var builds []gomod.Build
	for _, bin := range []string{KubernetesDaemons, KubernetesTools} {
		main, err := images.Files.ReadFile("kubernetes/" + strings.TrimPrefix(bin, "kubernetes-") + ".go.in")
		if err != nil {
			return gomod.Wrapper{}, nil, err
		}
		w.Files["cmd/"+bin+"/main.go"] = main
		builds = append(builds, gomod.Build{Packages: []string{"./cmd/" + bin}, Output: bin, Ldflags: r.versionLdflags()})
	}
	return w, builds, nil
}

// versionLdflags stamp the release's version into Kubernetes' programs.
func (r Release) versionLdflags() []string {
	minor := strings.Split(r.Kubernetes, ".")[1]
	// kubeadm refuses binaries that report v0.0.0: stamp the version as the release does.
	var ld []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ld = append(ld,
			"-X "+pkg+".gitVersion="+r.Kubernetes,
			"-X "+pkg+".gitMajor=1",
			"-X "+pkg+".gitMinor="+minor,
			"-X "+pkg+".gitTreeState=clean",
			"-X "+pkg+".buildDate="+r.commitTime,
		)
	}
	return ld
}

func (r Release) etcdBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	const mod = "go.etcd.io/etcd/server/v3"
	v := r.etcdModuleVersion()
	up, err := gomod.ReadUpstream(ctx, mod, v)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("etcd %s: %w", v, err)
	}
	w := gomod.Wrapper{Name: "etcd-" + v, Module: mod, Version: v, GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{mod}}
	// etcd's sibling modules (api, client, pkg) are local replaces upstream; in a wrapper
	// they resolve to the same release version.
	for _, path := range sortedKeys(up.Local) {
		w.Replace = append(w.Replace, fmt.Sprintf("%s => %s %s", path, path, v))
	}
	ld := []string{"-X go.etcd.io/etcd/api/v3/version.GitSHA=" + v}
	return w, []gomod.Build{{Packages: []string{mod}, Output: "etcd", Ldflags: ld}}, nil
}

func (r Release) corednsBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	const mod = "github.com/coredns/coredns"
	up, err := gomod.ReadUpstream(ctx, mod, r.CoreDNS)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("coredns %s: %w", r.CoreDNS, err)
	}
	main, err := images.Files.ReadFile("coredns/main.go.in")
	if err != nil {
		return gomod.Wrapper{}, nil, err
	}
	w := gomod.Wrapper{Name: "coredns-" + r.CoreDNS, Module: mod, Version: r.CoreDNS, GoDirective: up.Go, Godebug: up.Godebug,
		Files: map[string][]byte{"main.go": main}}
	ld := []string{"-X github.com/coredns/coredns/coremain.GitCommit=" + r.CoreDNS}
	return w, []gomod.Build{{Packages: []string{"."}, Output: "coredns", Ldflags: ld}}, nil
}

// localPathBuild is the dynamic provisioner behind the default StorageClass.
func localPathBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, localPathModule, localPathVersion)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("local-path-provisioner %s: %w", localPathVersion, err)
	}
	w := gomod.Wrapper{Name: "local-path-provisioner-" + localPathVersion, Module: localPathModule, Version: localPathVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{localPathModule}}
	return w, []gomod.Build{{Packages: []string{localPathModule}, Output: "local-path-provisioner"}}, nil
}

func containerdBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, containerdModule, containerdVersion)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("containerd %s: %w", containerdVersion, err)
	}
	cmds := []string{containerdModule + "/cmd/containerd", containerdModule + "/cmd/ctr"}
	shim := containerdModule + "/cmd/containerd-shim-runc-v2"
	w := gomod.Wrapper{Name: "containerd-" + containerdVersion, Module: containerdModule, Version: containerdVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: append(append([]string{}, cmds...), shim)}
	ld := []string{"-X " + containerdModule + "/version.Version=" + containerdVersion}
	// The build tags containerd's own Makefile uses for static release binaries.
	tags := []string{"urfave_cli_no_docs", "osusergo", "netgo", "static_build"}
	return w, []gomod.Build{
		{Packages: cmds, Tags: tags, Ldflags: ld},
		{Packages: []string{shim}, Tags: append(tags, "no_grpc"), Ldflags: ld},
	}, nil
}

// traefikBuild is the ingress controller. Traefik replaces some dependencies with its
// own forks and excludes a broken one: a wrapper needs the same directives to build.
func traefikBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, traefikModule, traefikVersion)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("traefik %s: %w", traefikVersion, err)
	}
	cmd := traefikModule + "/cmd/traefik"
	w := gomod.Wrapper{Name: "traefik-" + traefikVersion, Module: traefikModule, Version: traefikVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	ld := []string{"-X " + traefikModule + "/pkg/version.Version=" + traefikVersion}
	return w, []gomod.Build{{Packages: []string{cmd}, Output: "traefik", Ldflags: ld}}, nil
}

// metricsServerBuild serves the resource metrics API behind `kubectl top`.
func metricsServerBuild(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, metricsServerModule, metricsServerVersion)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("metrics-server %s: %w", metricsServerVersion, err)
	}
	cmd := metricsServerModule + "/cmd/metrics-server"
	w := gomod.Wrapper{Name: "metrics-server-" + metricsServerVersion, Module: metricsServerModule, Version: metricsServerVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	// metrics-server reports client-go's version variables as its own, as its Makefile sets them.
	ld := []string{"-X k8s.io/client-go/pkg/version.gitVersion=" + metricsServerVersion}
	return w, []gomod.Build{{Packages: []string{cmd}, Output: "metrics-server", Ldflags: ld}}, nil
}

// ownBuild compiles kubelab's in-cluster programs from the source embedded in kubelab.
func ownBuild(context.Context) (gomod.Wrapper, []gomod.Build, error) {
	return gomod.Wrapper{Name: "kubelab", Tree: kubelab.Source}, []gomod.Build{
		{Packages: []string{"./cmd/kubelab-echo"}, Output: "kubelab-echo"},
		{Packages: []string{"./cmd/kubelab-netd"}, Output: "kubelab-netd"},
		{Packages: []string{"./cmd/kubelab-netpol"}, Output: "kubelab-netpol"},
		{Packages: []string{"./cmd/kubelab-lb"}, Output: "kubelab-lb"},
		{Packages: []string{"./cmd/kubelab-dashboard"}, Output: "kubelab-dashboard"},
		{Packages: []string{"./cmd/kubelab-bootcamp"}, Output: "kubelab-bootcamp-v1", Ldflags: []string{"-X main.version=1"}},
		{Packages: []string{"./cmd/kubelab-bootcamp"}, Output: "kubelab-bootcamp-v2", Ldflags: []string{"-X main.version=2"}},
	}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
