package nodeimage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kubelab/kubelab/images"
)

// Versions of third-party programs that kubeadm does not choose.
const (
	containerdModule  = "github.com/containerd/containerd/v2"
	containerdVersion = "v2.4.2"
)

// Release is what goes into the node image of one Kubernetes version. Component versions
// are the ones kubeadm of that version expects (read from its source).
type Release struct {
	Kubernetes string // v1.37.2
	Etcd       string // image tag kubeadm expects, e.g. 3.7.0-0
	CoreDNS    string // v1.14.6
	Pause      string // 3.10.2

	commitTime string // of the Kubernetes release, stamped as its build date
	k8sDir     string // its module source
}

// Image names exactly as `kubeadm config images list` prints them, so that kubeadm and
// kubelet find them preloaded and never pull.
func (r Release) controlPlaneImage(name string) string {
	return "registry.k8s.io/" + name + ":" + r.Kubernetes
}
func (r Release) etcdImage() string    { return "registry.k8s.io/etcd:" + r.Etcd }
func (r Release) corednsImage() string { return "registry.k8s.io/coredns/coredns:" + r.CoreDNS }
func (r Release) pauseImage() string   { return "registry.k8s.io/pause:" + r.Pause }

// etcdModuleVersion turns kubeadm's etcd image tag (3.7.0-0) into a module version (v3.7.0).
func (r Release) etcdModuleVersion() string {
	v := r.Etcd
	if i := strings.LastIndex(v, "-"); i > 0 {
		v = v[:i]
	}
	return "v" + v
}

var constRE = regexp.MustCompile(`(?m)^\s*(DefaultEtcdVersion|CoreDNSVersion|PauseVersion)\s*=\s*"([^"]+)"`)

// resolveRelease reads the versions kubeadm expects from the Kubernetes module itself.
func resolveRelease(ctx context.Context, version string) (Release, error) {
	if !regexp.MustCompile(`^v1\.\d+\.\d+$`).MatchString(version) {
		return Release{}, fmt.Errorf("kubernetes version %q: want a release such as v1.37.2", version)
	}
	info, err := downloadModule(ctx, "k8s.io/kubernetes", version)
	if err != nil {
		return Release{}, fmt.Errorf("kubernetes %s is not available from the Go module proxy: %w", version, err)
	}
	src, err := os.ReadFile(filepath.Join(info.Dir, "cmd/kubeadm/app/constants/constants.go"))
	if err != nil {
		return Release{}, err
	}
	r := Release{Kubernetes: version, k8sDir: info.Dir}
	for _, m := range constRE.FindAllStringSubmatch(string(src), -1) {
		switch m[1] {
		case "DefaultEtcdVersion":
			r.Etcd = m[2]
		case "CoreDNSVersion":
			r.CoreDNS = m[2]
		case "PauseVersion":
			r.Pause = m[2]
		}
	}
	if r.Etcd == "" || r.CoreDNS == "" || r.Pause == "" {
		return r, fmt.Errorf("kubernetes %s: could not read etcd/CoreDNS/pause versions from kubeadm's constants", version)
	}
	var meta struct{ Time string }
	if data, err := os.ReadFile(info.Info); err == nil {
		_ = json.Unmarshal(data, &meta)
	}
	r.commitTime = meta.Time
	if r.commitTime == "" {
		r.commitTime = "1970-01-01T00:00:00Z"
	}
	return r, nil
}

// kubernetesBinaries are the programs built from k8s.io/kubernetes.
var kubernetesBinaries = []string{"kubeadm", "kubelet", "kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"}

func (r Release) kubernetesBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	up, err := readUpstreamGoMod(ctx, "k8s.io/kubernetes", r.Kubernetes)
	if err != nil {
		return goWrapper{}, nil, err
	}
	// k8s.io/kubernetes replaces its staging modules (k8s.io/api, client-go, ...) with
	// local directories, which do not exist outside its repository: use the published
	// v0.<minor>.<patch> versions of each instead.
	stagingVersion := "v0" + strings.TrimPrefix(r.Kubernetes, "v1")
	w := goWrapper{Name: "kubernetes-" + r.Kubernetes, Module: "k8s.io/kubernetes", Version: r.Kubernetes, GoDirective: up.Go, Godebug: up.Godebug}
	for _, path := range sortedKeys(up.Local) {
		w.Replace = append(w.Replace, fmt.Sprintf("%s => %s %s", path, path, stagingVersion))
	}
	var pkgs []string
	for _, b := range kubernetesBinaries {
		pkgs = append(pkgs, "k8s.io/kubernetes/cmd/"+b)
	}
	w.Tools = pkgs
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
	return w, []goBuild{{Packages: pkgs, Ldflags: ld}}, nil
}

func (r Release) etcdBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	const mod = "go.etcd.io/etcd/server/v3"
	v := r.etcdModuleVersion()
	up, err := readUpstreamGoMod(ctx, mod, v)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("etcd %s: %w", v, err)
	}
	w := goWrapper{Name: "etcd-" + v, Module: mod, Version: v, GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{mod}}
	// etcd's sibling modules (api, client, pkg) are local replaces upstream; in a wrapper
	// they resolve to the same release version.
	for _, path := range sortedKeys(up.Local) {
		w.Replace = append(w.Replace, fmt.Sprintf("%s => %s %s", path, path, v))
	}
	ld := []string{"-X go.etcd.io/etcd/api/v3/version.GitSHA=" + v}
	return w, []goBuild{{Packages: []string{mod}, Output: "etcd", Ldflags: ld}}, nil
}

func (r Release) corednsBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	const mod = "github.com/coredns/coredns"
	up, err := readUpstreamGoMod(ctx, mod, r.CoreDNS)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("coredns %s: %w", r.CoreDNS, err)
	}
	main, err := images.Files.ReadFile("coredns/main.go.in")
	if err != nil {
		return goWrapper{}, nil, err
	}
	w := goWrapper{Name: "coredns-" + r.CoreDNS, Module: mod, Version: r.CoreDNS, GoDirective: up.Go, Godebug: up.Godebug,
		Files: map[string][]byte{"main.go": main}}
	ld := []string{"-X github.com/coredns/coredns/coremain.GitCommit=" + r.CoreDNS}
	return w, []goBuild{{Packages: []string{"."}, Output: "coredns", Ldflags: ld}}, nil
}

const (
	localPathModule  = "github.com/rancher/local-path-provisioner"
	localPathVersion = "v0.0.30"
)

// localPathBuild is the dynamic provisioner behind the default StorageClass.
func localPathBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	up, err := readUpstreamGoMod(ctx, localPathModule, localPathVersion)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("local-path-provisioner %s: %w", localPathVersion, err)
	}
	w := goWrapper{Name: "local-path-provisioner-" + localPathVersion, Module: localPathModule, Version: localPathVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: []string{localPathModule}}
	return w, []goBuild{{Packages: []string{localPathModule}, Output: "local-path-provisioner"}}, nil
}

func containerdBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	up, err := readUpstreamGoMod(ctx, containerdModule, containerdVersion)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("containerd %s: %w", containerdVersion, err)
	}
	cmds := []string{containerdModule + "/cmd/containerd", containerdModule + "/cmd/ctr"}
	shim := containerdModule + "/cmd/containerd-shim-runc-v2"
	w := goWrapper{Name: "containerd-" + containerdVersion, Module: containerdModule, Version: containerdVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Tools: append(append([]string{}, cmds...), shim)}
	ld := []string{"-X " + containerdModule + "/version.Version=" + containerdVersion}
	// The build tags containerd's own Makefile uses for static release binaries.
	tags := []string{"urfave_cli_no_docs", "osusergo", "netgo", "static_build"}
	return w, []goBuild{
		{Packages: cmds, Tags: tags, Ldflags: ld},
		{Packages: []string{shim}, Tags: append(tags, "no_grpc"), Ldflags: ld},
	}, nil
}

const (
	traefikModule  = "github.com/traefik/traefik/v3"
	traefikVersion = "v3.6.12"
)

// traefikBuild is the ingress controller. Traefik replaces some dependencies with its
// own forks and excludes a broken one: a wrapper needs the same directives to build.
func traefikBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	up, err := readUpstreamGoMod(ctx, traefikModule, traefikVersion)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("traefik %s: %w", traefikVersion, err)
	}
	cmd := traefikModule + "/cmd/traefik"
	w := goWrapper{Name: "traefik-" + traefikVersion, Module: traefikModule, Version: traefikVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	ld := []string{"-X " + traefikModule + "/pkg/version.Version=" + traefikVersion}
	return w, []goBuild{{Packages: []string{cmd}, Output: "traefik", Ldflags: ld}}, nil
}

const (
	metricsServerModule  = "sigs.k8s.io/metrics-server"
	metricsServerVersion = "v0.9.0"
)

// metricsServerBuild serves the resource metrics API behind `kubectl top`.
func metricsServerBuild(ctx context.Context) (goWrapper, []goBuild, error) {
	up, err := readUpstreamGoMod(ctx, metricsServerModule, metricsServerVersion)
	if err != nil {
		return goWrapper{}, nil, fmt.Errorf("metrics-server %s: %w", metricsServerVersion, err)
	}
	cmd := metricsServerModule + "/cmd/metrics-server"
	w := goWrapper{Name: "metrics-server-" + metricsServerVersion, Module: metricsServerModule, Version: metricsServerVersion,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	// metrics-server reports client-go's version variables as its own, as its Makefile sets them.
	ld := []string{"-X k8s.io/client-go/pkg/version.gitVersion=" + metricsServerVersion}
	return w, []goBuild{{Packages: []string{cmd}, Output: "metrics-server", Ldflags: ld}}, nil
}
