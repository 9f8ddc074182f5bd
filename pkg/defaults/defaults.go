// Package defaults owns the defaults the CLI and the builders share: the Kubernetes version
// kubelab builds, the node image's name, and where build caches live.
package defaults

import (
	"os"
	"path/filepath"
)

// KubernetesVersion is the version `kubelab build node-image` builds by default.
const KubernetesVersion = "v1.37.2"

// NodeImage is the node image name for a Kubernetes version.
func NodeImage(version string) string { return "kubelab/node:" + version }

// CacheDir is $XDG_CACHE_HOME/kubelab (~/.cache/kubelab).
func CacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "kubelab")
	}
	return filepath.Join(os.TempDir(), "kubelab-cache")
}
