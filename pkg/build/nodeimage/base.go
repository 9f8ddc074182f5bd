package nodeimage

import (
	"context"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
)

// buildBase imports the Debian root filesystem plus kubelab's node files and containerd
// as the base image.
func (b *builder) buildBase(ctx context.Context) error {
	if err := <-b.rootfsDone; err != nil {
		return err
	}
	overlay, err := gomod.HashFS(images.Files)
	if err != nil {
		return err
	}
	var binHashes []string
	for _, n := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
		binHashes = append(binHashes, b.bins[n])
	}
	hash := gomod.HashOf(builderHash(), b.rootfs, overlay, binHashes)
	b.baseRef = "kubelab/base:" + imagefs.Suite + "-" + hash
	return imagefs.Import(ctx, b.dc, b.baseRef, hash, b.opts.Force, []string{
		`ENTRYPOINT ["/usr/local/bin/kubelab-entrypoint"]`,
		`CMD ["/sbin/init"]`,
		"ENV container=docker",
	}, func(t *imagefs.Tar) error {
		if err := t.Embedded(images.Files, "base/rootfs"); err != nil {
			return err
		}
		for _, n := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
			if err := t.HostFile("usr/local/bin/"+n, 0o755, b.bins[n]); err != nil {
				return err
			}
		}
		for _, unit := range []string{"containerd.service", "kubelet.service"} {
			if err := t.Symlink("etc/systemd/system/multi-user.target.wants/"+unit, "/etc/systemd/system/"+unit); err != nil {
				return err
			}
		}
		if err := t.Symlink("etc/systemd/system/default.target", "/lib/systemd/system/multi-user.target"); err != nil {
			return err
		}
		// Units that make no sense in a container, or only slow its boot down.
		for _, unit := range maskedUnits {
			if err := t.Symlink("etc/systemd/system/"+unit, "/dev/null"); err != nil {
				return err
			}
		}
		// Filled in by the entrypoint on first boot: each node gets its own.
		if err := t.File("etc/machine-id", 0o444, nil); err != nil {
			return err
		}
		t.Omit(unneededFiles...)
		return t.Tree(b.rootfs)
	})
}

// unneededFiles are Debian files no node uses: message translations (nodes speak
// English), and the CNI plugins other than the four kubelab-netd's configuration calls
// (bridge, host-local, portmap) and the runtime's loopback.
var unneededFiles = []string{
	"usr/share/locale",
	"usr/lib/cni/bandwidth", "usr/lib/cni/dhcp", "usr/lib/cni/firewall", "usr/lib/cni/host-device",
	"usr/lib/cni/ipvlan", "usr/lib/cni/macvlan", "usr/lib/cni/ptp", "usr/lib/cni/sbr",
	"usr/lib/cni/static", "usr/lib/cni/tuning", "usr/lib/cni/vlan", "usr/lib/cni/vrf",
}

var maskedUnits = []string{
	"getty.target", "console-getty.service", "systemd-firstboot.service",
	"systemd-modules-load.service", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
	"sys-kernel-config.mount", "systemd-remount-fs.service", "apt-daily.timer",
	"apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer", "dpkg-db-backup.timer",
}
