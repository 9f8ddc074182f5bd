package nodeimage

import (
	"reflect"
	"slices"
	"testing"
)

// The versions come from kubeadm's own constants, as they read in its source.
func TestParseKubeadmConstants(t *testing.T) {
	src := []byte(`package constants

const (
	// DefaultEtcdVersion indicates the default etcd version that kubeadm uses.
	DefaultEtcdVersion = "3.7.0-0"
	CoreDNSVersion = "v1.14.6"
	PauseVersion   = "3.10.2"
	KubeletPort = 10250
)
`)
	r, err := parseKubeadmConstants("v1.37.2", src)
	if err != nil {
		t.Fatal(err)
	}
	want := Release{Kubernetes: "v1.37.2", Etcd: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("release %+v, want %+v", r, want)
	}
	if _, err := parseKubeadmConstants("v1.37.2", []byte(`CoreDNSVersion = "v1"`)); err == nil {
		t.Error("constants without etcd and pause were accepted")
	}
}

// Image names are exactly kubeadm's, so kubelet finds them preloaded.
func TestReleaseImages(t *testing.T) {
	r := Release{Kubernetes: "v1.37.2", Etcd: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2", commitTime: "2026-01-02T03:04:05Z"}
	for got, want := range map[string]string{
		r.controlPlaneImage("kube-apiserver"): "registry.k8s.io/kube-apiserver:v1.37.2",
		r.etcdImage():                         "registry.k8s.io/etcd:3.7.0-0",
		r.corednsImage():                      "registry.k8s.io/coredns/coredns:v1.14.6",
		r.pauseImage():                        "registry.k8s.io/pause:3.10.2",
		r.etcdModuleVersion():                 "v3.7.0",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	ld := r.versionLdflags()
	for _, flag := range []string{"-X k8s.io/component-base/version.gitVersion=v1.37.2", "-X k8s.io/client-go/pkg/version.gitMinor=37",
		"-X k8s.io/component-base/version.buildDate=2026-01-02T03:04:05Z"} {
		if !slices.Contains(ld, flag) {
			t.Errorf("ldflags %q lack %q", ld, flag)
		}
	}
}
