package cluster

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubelab/kubelab/pkg/defaults"
)

// oldestMinor is the oldest Kubernetes minor version kubelab can create: the
// configuration it writes is kubeadm.k8s.io/v1beta4 (kubeadm v1.31 on) and sets kubelet's
// failCgroupV1 (v1.31 on). Versions newer than the one this kubelab builds
// (defaults.KubernetesVersion) have never been tried with it, and are refused too.
const oldestMinor = 31

// checkNodeVersion refuses, before anything is created, a node image whose Kubernetes
// version kubelab cannot bootstrap, rather than let kubeadm fail half-way through.
func checkNodeVersion(image, v string) error {
	newest := version.MustParseSemantic(defaults.KubernetesVersion)
	build := fmt.Sprintf("build one with `kubelab build node-image --kubernetes-version %s` and pass it with --image", defaults.KubernetesVersion)
	parsed, err := version.ParseSemantic(v)
	if err != nil {
		return fmt.Errorf("node image %s says it is Kubernetes %q, which is not a version: %s", image, v, build)
	}
	if parsed.Major() != 1 || parsed.Minor() < oldestMinor || parsed.Minor() > newest.Minor() {
		return fmt.Errorf("node image %s is Kubernetes %s, but this kubelab creates v1.%d to v1.%d clusters: %s",
			image, v, oldestMinor, newest.Minor(), build)
	}
	return nil
}
