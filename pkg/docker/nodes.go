package docker

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/kubelab/kubelab/pkg/labels"
)

// CreateNode creates a node's /var volume and container, and starts it.
func (c *Client) CreateNode(ctx context.Context, spec NodeSpec) error {
	lbls := map[string]string{labels.Cluster: spec.Cluster, labels.Role: spec.Role}
	for k, v := range spec.Labels {
		lbls[k] = v
	}
	if _, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: VolumeName(spec.Name), Labels: lbls}); err != nil {
		return fmt.Errorf("create volume for %s: %w", spec.Name, err)
	}
	cfg, host, netCfg, err := containerConfig(spec, lbls)
	if err != nil {
		return err
	}
	resp, err := c.api.ContainerCreate(ctx, cfg, host, netCfg, nil, spec.Name)
	if err != nil {
		// No container holds the volume yet, so no delete by node would find it.
		_ = c.api.VolumeRemove(context.WithoutCancel(ctx), VolumeName(spec.Name), true)
		if cerrdefs.IsConflict(err) {
			return fmt.Errorf("a container named %s already exists", spec.Name)
		}
		return fmt.Errorf("create node %s: %w", spec.Name, err)
	}
	if err := c.api.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start node %s: %w", spec.Name, err)
	}
	return nil
}

// CreateLoadBalancer creates and starts the container balancing a cluster's API servers.
func (c *Client) CreateLoadBalancer(ctx context.Context, spec LoadBalancerSpec) error {
	cfg, host, netCfg, err := loadBalancerConfig(spec)
	if err != nil {
		return err
	}
	resp, err := c.api.ContainerCreate(ctx, cfg, host, netCfg, nil, spec.Name)
	if err != nil {
		return fmt.Errorf("create load balancer %s: %w", spec.Name, err)
	}
	if err := c.api.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start load balancer %s: %w", spec.Name, err)
	}
	return nil
}

// ListNodes lists the kubelab containers of a cluster (every cluster if cluster is ""),
// running or not, by name.
func (c *Client) ListNodes(ctx context.Context, cluster string) ([]Node, error) {
	f := filters.NewArgs(filters.Arg("label", labels.Cluster))
	if cluster != "" {
		f = filters.NewArgs(filters.Arg("label", labels.Cluster+"="+cluster))
	}
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var nodes []Node
	for _, ct := range list {
		n, ok := nodeFromSummary(ct)
		if !ok {
			continue
		}
		if n.IP == "" && ct.State != "running" {
			if info, err := c.api.ContainerInspect(ctx, ct.ID); err == nil && info.NetworkSettings != nil {
				for _, ep := range info.NetworkSettings.Networks {
					if ep.IPAMConfig != nil {
						n.IP = ep.IPAMConfig.IPv4Address
					}
				}
			}
		}
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes, nil
}

// nodeFromSummary reads a node from the daemon's container list entry; ok is false for
// entries that are not nodes. A stopped container reports neither ports nor (for a fixed
// address) its IP: the API server's port and address then come from the labels
// baseConfig set, and ListNodes inspects the container for its IP.
func nodeFromSummary(ct container.Summary) (n Node, ok bool) {
	if ct.Labels[labels.Role] == labels.RoleProbe || len(ct.Names) == 0 {
		return Node{}, false
	}
	n = Node{
		Name:    strings.TrimPrefix(ct.Names[0], "/"),
		Cluster: ct.Labels[labels.Cluster],
		Role:    ct.Labels[labels.Role],
		State:   ct.State,
		Image:   ct.Image,
		Version: ct.Labels[labels.KubernetesVersion], // the image's labels are the container's too

		LoadBalancerRange: ct.Labels[labels.LoadBalancerRange],
	}
	if ct.NetworkSettings != nil {
		for _, ep := range ct.NetworkSettings.Networks {
			if ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address != "" {
				n.IP = ep.IPAMConfig.IPv4Address
			} else if ep.IPAddress != "" {
				n.IP = ep.IPAddress
			}
		}
	}
	for _, p := range ct.Ports {
		if p.PublicPort == 0 {
			continue
		}
		if p.IP != "::" || !slices.Contains(n.Published, fmt.Sprintf("0.0.0.0:%d->%d/%s", p.PublicPort, p.PrivatePort, p.Type)) {
			n.Published = append(n.Published, fmt.Sprintf("%s:%d->%d/%s", p.IP, p.PublicPort, p.PrivatePort, p.Type))
		}
		if p.PrivatePort != 6443 {
			continue
		}
		// A binding on all addresses is listed twice, as 0.0.0.0 and as ::; keep the IPv4 one.
		if n.APIPort == 0 || (!isIPv4(n.APIAddress) && isIPv4(p.IP)) {
			n.APIPort, n.APIAddress = int(p.PublicPort), p.IP
		}
	}
	if n.APIPort == 0 {
		n.APIPort, _ = strconv.Atoi(ct.Labels[labels.APIPort])
		n.APIAddress = ct.Labels[labels.APIAddress]
	}
	return n, true
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// DeleteNode removes a container and its volume; a missing one is not an error.
func (c *Client) DeleteNode(ctx context.Context, name string) error {
	err := c.api.ContainerRemove(ctx, name, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove node %s: %w", name, err)
	}
	err = c.api.VolumeRemove(ctx, VolumeName(name), true)
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", VolumeName(name), err)
	}
	return nil
}
