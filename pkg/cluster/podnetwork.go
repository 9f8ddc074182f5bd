package cluster

import (
	"context"
	"net/netip"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/netd"
)

// cniConfPath is where kubelab-netd writes each node's CNI configuration, and where
// containerd reads it from.
const cniConfPath = "/etc/cni/net.d/10-kubelab.conflist"

// installPodNetwork starts kubelab-netd on every node: it writes each node's CNI
// configuration as soon as the node has a pod range, and the node turns Ready.
func (c *creation) installPodNetwork(ctx context.Context) error {
	manifest, err := addons.Render("netd.yaml", map[string]string{"Image": images.Netd, "PodSubnet": c.cfg.Networking.PodSubnet,
		"ServiceSubnet": c.cfg.Networking.ServiceSubnet, "CNIConf": cniConfPath, "LoadBalancerRange": c.lbRange})
	if err != nil {
		return err
	}
	return addons.Apply(ctx, c.restConfig, manifest)
}

// writeFirstCNIConfig writes, before kubeadm init, the CNI configuration kubelab-netd
// will write on the first control plane: byte for byte the same, for the pod range the
// controller manager gives the first node that registers (the first /24 of the pod
// subnet). kubelet then finds the pod network ready when it starts, instead of noticing
// it up to 5 s after netd wrote it (it asks the runtime every 5 s), and the node is Ready
// as soon as it registers. kubeadm config patches could change how pod ranges are cut:
// with patches, netd alone writes it.
func (c *creation) writeFirstCNIConfig(ctx context.Context) error {
	cidr, ok := firstPodCIDR(c.cfg.Networking.PodSubnet)
	if !ok || len(c.cfg.KubeadmConfigPatches) > 0 {
		return nil
	}
	conf, err := netd.CNIConfig([]string{cidr})
	if err != nil {
		return err
	}
	return c.p.WriteFile(ctx, c.nodes[0].name, cniConfPath, conf, 0o644)
}

// firstPodCIDR is the pod range the controller manager's range allocator hands the first
// node: the first /24 (its default node mask for IPv4) of the pod subnet.
func firstPodCIDR(podSubnet string) (string, bool) {
	p, err := netip.ParsePrefix(podSubnet)
	if err != nil || !p.Addr().Is4() || p.Bits() > 24 {
		return "", false
	}
	return netip.PrefixFrom(p.Masked().Addr(), 24).String(), true
}
