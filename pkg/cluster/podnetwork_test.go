package cluster

import (
	"context"
	"testing"

	"github.com/kubelab/kubelab/pkg/netd"
	"github.com/kubelab/kubelab/pkg/ui"
)

func TestFirstPodCIDR(t *testing.T) {
	for in, want := range map[string]string{
		"10.244.0.0/16": "10.244.0.0/24",
		"10.8.4.0/22":   "10.8.4.0/24",
		"10.9.1.7/16":   "10.9.0.0/24",
		"10.9.1.0/25":   "",
		"fd00::/64":     "",
		"nonsense":      "",
	} {
		got, ok := firstPodCIDR(in)
		if got != want || ok != (want != "") {
			t.Errorf("firstPodCIDR(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// The first control plane gets netd's own CNI configuration for its pod range before
// kubeadm init starts kubelet; with kubeadm patches, netd alone writes it.
func TestCNIConfigWrittenBeforeInit(t *testing.T) {
	want, err := netd.CNIConfig([]string{"10.244.0.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	for _, patched := range []bool{false, true} {
		f := newFake()
		f.execFail = "kubeadm init"
		opts := createOpts(t, "lab")
		if patched {
			opts.Config.KubeadmConfigPatches = []string{"kind: KubeletConfiguration\nmaxPods: 50\n"}
		}
		if err := Create(context.Background(), f, ui.Discard(), opts); err == nil {
			t.Fatal("kubeadm init did not fail")
		}
		got, written := f.files["lab-control-plane:"+cniConfPath]
		if patched && written {
			t.Errorf("CNI configuration written although kubeadm config patches are given:\n%s", got)
		}
		if !patched && string(got) != string(want) {
			t.Errorf("CNI configuration before init:\n%s\nwant netd's:\n%s", got, want)
		}
	}
}
