package nodeimage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kubelab/kubelab/pkg/build/gomod"
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

// SourceDir is the Kubernetes module's source in the module cache.
func (r Release) SourceDir() string { return r.k8sDir }

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

// ResolveRelease reads the versions kubeadm expects from the Kubernetes module itself.
func ResolveRelease(ctx context.Context, version string) (Release, error) {
	if !regexp.MustCompile(`^v1\.\d+\.\d+$`).MatchString(version) {
		return Release{}, fmt.Errorf("kubernetes version %q: want a release such as v1.37.2", version)
	}
	info, err := gomod.Download(ctx, "k8s.io/kubernetes", version)
	if err != nil {
		return Release{}, fmt.Errorf("kubernetes %s is not available from the Go module proxy: %w", version, err)
	}
	src, err := os.ReadFile(filepath.Join(info.Dir, "cmd/kubeadm/app/constants/constants.go"))
	if err != nil {
		return Release{}, err
	}
	r, err := parseKubeadmConstants(version, src)
	if err != nil {
		return r, err
	}
	r.k8sDir = info.Dir
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

// parseKubeadmConstants reads the etcd, CoreDNS and pause versions from kubeadm's
// constants.go.
func parseKubeadmConstants(version string, src []byte) (Release, error) {
	r := Release{Kubernetes: version}
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
	return r, nil
}
