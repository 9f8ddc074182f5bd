package nodeimage

import (
	"strings"
	"testing"
)

// Every image of the catalogue is made of binaries that a step builds, or of Debian
// files, and no two share a name.
func TestCatalogue(t *testing.T) {
	b := &builder{rel: Release{Kubernetes: "v1.37.2", Etcd: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"},
		rootfs: "/rootfs/debian", apps: "/rootfs/apps"}
	built := map[string]bool{"pause": true}
	for n := range kubernetesPrograms {
		built[n] = true
	}
	for _, c := range b.rel.components() {
		for _, n := range c.binaries {
			built[n] = true
		}
	}
	refs := map[string]bool{}
	for _, img := range b.componentImages() {
		if refs[img.Ref] {
			t.Errorf("%s listed twice", img.Ref)
		}
		refs[img.Ref] = true
		if img.NodeRef != "" {
			if refs[img.NodeRef] {
				t.Errorf("%s listed twice", img.NodeRef)
			}
			refs[img.NodeRef] = true
		}
		for dst, name := range img.Bins {
			if !built[name] {
				t.Errorf("%s: %s comes from %q, which no step builds", img.Ref, dst, name)
			}
		}
		if len(img.Bins) == 0 && img.Extra == nil {
			t.Errorf("%s is empty", img.Ref)
		}
		if img.Debian != "" && !strings.Contains(img.Ref, ":") {
			t.Errorf("%s names Debian's %s version but has no tag", img.Ref, img.Debian)
		}
	}
	// The four images of Kubernetes' daemons have a name on the host and kubeadm's in nodes.
	if len(refs) != 24 {
		t.Errorf("%d names, want 24 (7 that kubeadm names, 4 host names of those, 13 of kubelab, its add-ons, registry and tutorials)", len(refs))
	}
	for _, ref := range []string{"registry.k8s.io/kube-proxy:v1.37.2", "registry.k8s.io/pause:3.10.2", "registry.k8s.io/etcd:3.7.0-0"} {
		if !refs[ref] {
			t.Errorf("%s missing", ref)
		}
	}
}
