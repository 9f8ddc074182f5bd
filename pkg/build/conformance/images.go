package conformance

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
	"github.com/kubelab/kubelab/pkg/build/registry"
)

// The names the conformance suite of v1.37 gives its test images
// (test/utils/image/manifest.go). Pods use them with the default pull policy, so images
// preloaded under these names are used as they are, without a registry.
const (
	e2eRegistry = "registry.k8s.io/e2e-test-images/"
)

var (
	agnhostRefs = []string{e2eRegistry + "agnhost:2.66.1", e2eRegistry + "agnhost:2.55",
		// The DNS tests' glibc querier only needs sh, dig and getent: agnhost's Debian has them.
		e2eRegistry + "glibc-dns-testing:2.1.1"}
	conformanceImageRefs = []string{e2eRegistry + "busybox:1.37.0-2", e2eRegistry + "nginx:1.27.0-2",
		e2eRegistry + "nautilus:1.8", e2eRegistry + "kitten:1.8", e2eRegistry + "nonewprivs:1.4",
		e2eRegistry + "sample-apiserver:1.29.2"}
)

// RegistryImage is the registry (pkg/build/registry) that serves the always-pulled images.
const RegistryImage = registry.Image

// testImages are the suite's images, as kubelab builds them: agnhost on a Debian with the
// tools the tests run in it (curl, dig, nc, getent, sh...), busybox and nginx from Debian,
// and the small single-binary ones.
func (b *builder) testImages() []imagefs.Image {
	k8s := b.rel.SourceDir()
	// agnhost's tools: the listed packages and what they depend on, plus the shell and
	// the basic commands the tests' scripts use.
	tools := append([]string{"dash", "coreutils", "grep", "findutils", "sed", "libc-bin"},
		imagefs.EmbeddedPackageList(images.Conformance, "conformance/packages.txt")...)
	certs := func(t *imagefs.Tar) error {
		// Tests serve or read these files relative to /.
		for _, f := range []string{"localhost.crt", "localhost.key"} {
			if err := t.HostFile(f, 0o644, filepath.Join(k8s, "test/images/agnhost/porter", f)); err != nil {
				return err
			}
		}
		return nil
	}
	imgs := []imagefs.Image{{
		Ref: agnhostRefs[0], Bins: map[string]string{"agnhost": "agnhost"},
		Changes: []string{`ENTRYPOINT ["/agnhost"]`, `CMD ["pause"]`, "WORKDIR /", "EXPOSE 80 8080 8081 9376 5000"},
		Extra: func(t *imagefs.Tar) error {
			// Tests run /agnhost-2 to tell the entrypoint from the command.
			if err := t.Symlink("agnhost-2", "agnhost"); err != nil {
				return err
			}
			if err := certs(t); err != nil {
				return err
			}
			if err := t.Dir("uploads", 0o755); err != nil {
				return err
			}
			return imagefs.Subset(b.rootfs, tools...)(t)
		},
	}}
	// nautilus and kitten: agnhost's web server serving a picture and a data.json naming it.
	for _, name := range []string{"nautilus", "kitten"} {
		html := filepath.Join(k8s, "test/images", name, "html")
		imgs = append(imgs, imagefs.Image{
			Ref: e2eRegistry + name + ":1.8", Bins: map[string]string{"agnhost": "agnhost"},
			Changes:  []string{`ENTRYPOINT ["/agnhost"]`, `CMD ["test-webserver"]`, "WORKDIR /", "EXPOSE 80"},
			ExtraKey: name,
			Extra: func(t *imagefs.Tar) error {
				for _, f := range []string{name + ".jpg", "data.json"} {
					if err := t.HostFile(f, 0o644, filepath.Join(html, f)); err != nil {
						return err
					}
				}
				if name == "kitten" {
					// The image-volume test reads the image's os-release and expects the
					// upstream image's Alpine base; say plainly what this one is.
					return t.File("etc/os-release", 0o644, []byte("NAME=\"kubelab kitten\"\nID=debian\n"+
						"PRETTY_NAME=\"kubelab's Debian-based stand-in for the Alpine Linux kitten test image\"\n"))
				}
				return certs(t)
			},
		})
	}
	imgs = append(imgs,
		// Upstream busybox, as the suite's image has it (see buildBusybox), every applet in /bin.
		imagefs.Image{Ref: e2eRegistry + "busybox:1.37.0-2", Bins: map[string]string{"bin/busybox": "busybox"},
			Changes: []string{`CMD ["sh"]`}, ExtraKey: "busybox-applets", Extra: func(t *imagefs.Tar) error {
				out, err := exec.Command(b.bins["busybox"], "--list").Output()
				if err != nil {
					return fmt.Errorf("busybox --list: %w", err)
				}
				for _, applet := range strings.Fields(string(out)) {
					if applet != "busybox" {
						if err := t.Symlink("bin/"+applet, "busybox"); err != nil {
							return err
						}
					}
				}
				return nil
			}},
		imagefs.Image{Ref: e2eRegistry + "nginx:1.27.0-2", OwnEtc: true, Extra: imagefs.Nginx(b.apps),
			Changes: []string{`CMD ["nginx", "-g", "daemon off;"]`, "EXPOSE 80"}},
		// nnp prints its effective uid: setuid root, it shows whether no_new_privs held.
		imagefs.Image{Ref: e2eRegistry + "nonewprivs:1.4", Bins: map[string]string{"usr/local/bin/nnp": "nnp"},
			Setuid: map[string]bool{"usr/local/bin/nnp": true}, Changes: []string{`CMD ["nnp"]`}},
		imagefs.Image{Ref: e2eRegistry + "sample-apiserver:1.29.2", Bins: map[string]string{"sample-apiserver": "sample-apiserver"},
			Changes: []string{`ENTRYPOINT ["/sample-apiserver"]`}},
		registry.ImageSpec(),
	)
	return imgs
}

func (b *builder) buildTestImages(ctx context.Context) error {
	if err := <-b.rootfsDone; err != nil {
		return err
	}
	if err := <-b.appsDone; err != nil {
		return err
	}
	im := &imagefs.Importer{Docker: b.dc, Builder: builderHash(), Bins: b.bins, Roots: []string{b.rootfs, b.apps}}
	for _, img := range b.testImages() {
		if err := im.Import(ctx, img); err != nil {
			return err
		}
		if !img.HostOnly {
			b.imageRefs = append(b.imageRefs, img.Ref)
		}
	}
	// The other agnhost versions and the DNS test image are agnhost itself: copies that
	// share its layers (loaded into nodes once) but each have their own image ID.
	for _, ref := range agnhostRefs[1:] {
		if err := b.dc.DeriveImage(ctx, agnhostRefs[0], ref); err != nil {
			return err
		}
		b.imageRefs = append(b.imageRefs, ref)
	}
	return nil
}
