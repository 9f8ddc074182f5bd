package nodeimage

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
	"github.com/kubelab/kubelab/pkg/build/registry"
)

// componentImages is the catalogue of the images a cluster runs, made of the built
// binaries and Debian files.
func (b *builder) componentImages() []imagefs.Image {
	r := b.rel
	var imgs []imagefs.Image
	// The four images of Kubernetes' daemons are one and the same layer: the multi-call
	// binary, a link for each program, and the iptables and conntrack kube-proxy programs
	// the node with (Debian's, with only the packages they need). A node's containerd
	// stores that layer once; only the entrypoints differ.
	daemons := func(t *imagefs.Tar) error {
		for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
			if err := t.Symlink("usr/local/bin/"+n, KubernetesDaemons); err != nil {
				return err
			}
		}
		return imagefs.Subset(b.rootfs, "iptables", "conntrack")(t)
	}
	// On the host these images carry a tag of their binary's build, not kubeadm's name, so
	// that node-image builds of other kubelab versions on the same machine (with other
	// contents under kubeadm's names) never overwrite them; nodes know them by kubeadm's.
	build := gomod.HashOf(b.bins[KubernetesDaemons])[:12]
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		imgs = append(imgs, imagefs.Image{
			Ref:      "kubelab.local/" + name + ":" + r.Kubernetes + "-" + build, // a domain: ctr keeps it as is
			NodeRef:  r.controlPlaneImage(name),
			Bins:     map[string]string{"usr/local/bin/" + KubernetesDaemons: KubernetesDaemons},
			Changes:  []string{fmt.Sprintf(`ENTRYPOINT ["/usr/local/bin/%s"]`, name)},
			Extra:    daemons,
			ExtraKey: "kubernetes-daemons: links, iptables, conntrack",
		})
	}
	imgs = append(imgs,
		imagefs.Image{
			Ref:     r.etcdImage(),
			Bins:    map[string]string{"usr/local/bin/etcd": "etcd"},
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/etcd"]`},
			Extra:   func(t *imagefs.Tar) error { return t.Dir("var/lib/etcd", 0o700) },
		},
		imagefs.Image{
			Ref:     r.corednsImage(),
			Bins:    map[string]string{"coredns": "coredns"},
			Changes: []string{`ENTRYPOINT ["/coredns"]`},
		},
		imagefs.Image{
			Ref:     r.pauseImage(),
			Bins:    map[string]string{"pause": "pause"},
			Changes: []string{`ENTRYPOINT ["/pause"]`, "USER 65535:65535"},
		},
		imagefs.Image{
			Ref:     images.Netd,
			Bins:    map[string]string{"usr/local/bin/kubelab-netd": "kubelab-netd"},
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-netd"]`},
			// netd masquerades with iptables.
			Extra: imagefs.Subset(b.rootfs, "iptables"),
		},
		imagefs.Image{
			Ref:     images.NetworkPolicy,
			Bins:    map[string]string{"usr/local/bin/kubelab-netpol": "kubelab-netpol"},
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-netpol"]`},
			// It diverts packets to its queue with iptables (see pkg/netpol).
			Extra: imagefs.Subset(b.rootfs, "iptables"),
		},
		imagefs.Image{
			Ref:      images.LoadBalancer,
			HostOnly: true,
			Bins:     map[string]string{"usr/local/bin/kubelab-lb": "kubelab-lb"},
			Changes:  []string{`ENTRYPOINT ["/usr/local/bin/kubelab-lb"]`, "EXPOSE 6443", "USER 65532:65532"},
		},
		registry.ImageSpec(),
		imagefs.Image{
			Ref:  images.Dashboard,
			Bins: map[string]string{"usr/local/bin/kubelab-dashboard": "kubelab-dashboard"},
			// Unprivileged, and with a read-only root: it writes nothing (its certificate stays in memory).
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-dashboard"]`, "EXPOSE 8443", "USER 65532:65532"},
		},
		imagefs.Image{
			Ref:     images.LocalPathProvisioner,
			Bins:    map[string]string{"usr/local/bin/local-path-provisioner": "local-path-provisioner"},
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/local-path-provisioner"]`},
		},
		imagefs.Image{
			Ref:  images.Traefik,
			Bins: map[string]string{"usr/local/bin/traefik": "traefik"},
			// Unprivileged: it listens on 8000/8443 and the pod maps the node's 80/443 there.
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/traefik"]`, "EXPOSE 8000 8443", "USER 65532:65532"},
		},
		imagefs.Image{
			Ref:     images.MetricsServer,
			Bins:    map[string]string{"metrics-server": "metrics-server"},
			Changes: []string{`ENTRYPOINT ["/metrics-server"]`, "USER 65534:65534"},
		},
		imagefs.Image{
			Ref:     images.BootcampV1,
			Bins:    map[string]string{"usr/local/bin/kubelab-bootcamp": "kubelab-bootcamp-v1"},
			Changes: []string{`CMD ["/usr/local/bin/kubelab-bootcamp"]`, "EXPOSE 8080"},
			Extra:   imagefs.Busybox(b.apps),
		},
		imagefs.Image{
			Ref:     images.BootcampV2,
			Bins:    map[string]string{"usr/local/bin/kubelab-bootcamp": "kubelab-bootcamp-v2"},
			Changes: []string{`CMD ["/usr/local/bin/kubelab-bootcamp"]`, "EXPOSE 8080"},
			Extra:   imagefs.Busybox(b.apps),
		},
		imagefs.Image{
			Ref:     images.Busybox,
			Debian:  "busybox-static",
			Changes: []string{`CMD ["sh"]`},
			Extra:   imagefs.Busybox(b.apps),
		},
		imagefs.Image{
			Ref:     images.Nginx,
			Debian:  "nginx-light",
			Changes: []string{`CMD ["nginx", "-g", "daemon off;"]`, "EXPOSE 80"},
			OwnEtc:  true,
			Extra:   imagefs.Nginx(b.apps),
		},
		imagefs.Image{
			Ref:     images.Echo,
			Bins:    map[string]string{"usr/local/bin/kubelab-echo": "kubelab-echo"},
			Changes: []string{`ENTRYPOINT ["/usr/local/bin/kubelab-echo"]`, "EXPOSE 8080", "USER 65532:65532"},
		},
	)
	return imgs
}

func (b *builder) buildComponentImages(ctx context.Context) error {
	if err := <-b.appsDone; err != nil {
		return err
	}
	im := &imagefs.Importer{Docker: b.dc, Force: b.opts.Force, Builder: builderHash(), Bins: b.bins, Roots: []string{b.rootfs, b.apps}}
	b.componentRefs, b.nodeRefs = nil, map[string]string{}
	for _, img := range b.componentImages() {
		if img.Debian != "" {
			v := imagefs.MinorVersion(imagefs.DpkgVersion(b.apps, img.Debian))
			if !strings.HasSuffix(img.Ref, ":"+v) {
				return fmt.Errorf("image %s: Debian's %s is now version %s; update its tag in images/images.go", img.Ref, img.Debian, v)
			}
		}
		if err := im.Import(ctx, img); err != nil {
			return err
		}
		if !img.HostOnly {
			b.componentRefs = append(b.componentRefs, img.Ref)
			if img.NodeRef != "" {
				b.nodeRefs[img.Ref] = img.NodeRef
			}
		}
	}
	return nil
}
