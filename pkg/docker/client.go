package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"

	"github.com/kubelab/kubelab/pkg/labels"
)

// ErrDaemonUnreachable says the Docker daemon did not answer.
var ErrDaemonUnreachable = errors.New("cannot reach the Docker daemon: start it (e.g. `dockerd &` or `systemctl start docker`) or set DOCKER_HOST")

// Client is the Provider backed by the Docker Engine API.
type Client struct {
	api *client.Client

	secOnce sync.Once
	sec     Security
	secErr  error
}

var _ Provider = (*Client)(nil)

// New connects to the daemon named by the environment (DOCKER_HOST, ...), negotiating the
// API version down to what the daemon speaks (Debian's dockerd 20.10 speaks 1.41).
func New() (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &Client{api: api}, nil
}

func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.api.Ping(ctx); err != nil {
		return fmt.Errorf("%w (%v)", ErrDaemonUnreachable, err)
	}
	return nil
}

// DetectSecurity starts a throw-away container with --privileged once per process. Hosts
// whose capability bounding set lacks a capability make runc fail with "unable to apply
// caps"; there the nodes use the Capabilities fallback instead.
func (c *Client) DetectSecurity(ctx context.Context, image string) (Security, error) {
	c.secOnce.Do(func() { c.sec, c.secErr = c.detectSecurity(ctx, image) })
	return c.sec, c.secErr
}

func (c *Client) detectSecurity(ctx context.Context, image string) (Security, error) {
	resp, err := c.api.ContainerCreate(ctx,
		&container.Config{Image: image, Entrypoint: []string{"/bin/true"}, Labels: map[string]string{labels.Role: "probe"}},
		&container.HostConfig{Privileged: true, AutoRemove: false}, nil, nil, "")
	if err != nil {
		return Privileged, fmt.Errorf("probe container: %w", err)
	}
	defer c.api.ContainerRemove(context.WithoutCancel(ctx), resp.ID, container.RemoveOptions{Force: true})
	if err := c.api.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		if strings.Contains(err.Error(), "apply caps") || strings.Contains(err.Error(), "operation not permitted") {
			return Capabilities, nil
		}
		return Privileged, fmt.Errorf("probe container: %w", err)
	}
	return Privileged, nil
}

// Candidate subnets for the kubelab network, tried in order until one overlaps nothing.
// An explicit subnet is what lets nodes have fixed addresses.
var candidateSubnets = func() []string {
	var s []string
	for i := 30; i >= 18; i-- {
		s = append(s, fmt.Sprintf("172.%d.0.0/16", i))
	}
	for i := 240; i >= 160; i -= 16 {
		s = append(s, fmt.Sprintf("192.168.%d.0/20", i))
	}
	return s
}()

func (c *Client) EnsureNetwork(ctx context.Context, name string) (Network, error) {
	if n, err := c.inspectNetwork(ctx, name); err == nil {
		return n, nil
	} else if !cerrdefs.IsNotFound(err) {
		return Network{}, err
	}
	used, err := c.usedSubnets(ctx)
	if err != nil {
		return Network{}, err
	}
	var lastErr error
	for _, cidr := range candidateSubnets {
		p := netip.MustParsePrefix(cidr)
		if overlapsAny(p, used) {
			continue
		}
		gw := p.Addr().Next()
		// Docker hands out dynamic addresses only from the upper half of the subnet; kubelab
		// gives nodes fixed addresses from the lower half, so the two never collide.
		upper := upperHalf(p)
		_, err := c.api.NetworkCreate(ctx, name, network.CreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: cidr, IPRange: upper.String(), Gateway: gw.String()}}},
			Labels: map[string]string{labels.Cluster: ""},
			Options: map[string]string{
				// Nodes reach the outside world (apt mirrors, the host) through NAT.
				"com.docker.network.bridge.enable_ip_masquerade": "true",
			},
		})
		if err == nil {
			return c.inspectNetwork(ctx, name)
		}
		if cerrdefs.IsConflict(err) || strings.Contains(err.Error(), "already exists") {
			return c.inspectNetwork(ctx, name) // created concurrently by another kubelab
		}
		lastErr = err
		if !strings.Contains(err.Error(), "overlap") {
			return Network{}, fmt.Errorf("create network %s: %w", name, err)
		}
	}
	return Network{}, fmt.Errorf("create network %s: no free subnet among the candidates: %v", name, lastErr)
}

func upperHalf(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	bits := p.Bits() + 1
	hostBits := 32 - bits
	// set the highest host bit of the original prefix
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= 1 << hostBits
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
}

func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if p.Overlaps(u) {
			return true
		}
	}
	return false
}

func (c *Client) usedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	nets, err := c.api.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var used []netip.Prefix
	for _, n := range nets {
		for _, cfg := range n.IPAM.Config {
			if p, err := netip.ParsePrefix(cfg.Subnet); err == nil {
				used = append(used, p)
			}
		}
	}
	return used, nil
}

func (c *Client) inspectNetwork(ctx context.Context, name string) (Network, error) {
	n, err := c.api.NetworkInspect(ctx, name, network.InspectOptions{})
	if err != nil {
		return Network{}, err
	}
	out := Network{Name: n.Name}
	for _, cfg := range n.IPAM.Config {
		if p, err := netip.ParsePrefix(cfg.Subnet); err == nil && p.Addr().Is4() {
			out.Subnet, out.Gateway = cfg.Subnet, cfg.Gateway
		}
	}
	if out.Subnet == "" {
		return out, fmt.Errorf("network %s has no IPv4 subnet of its own; remove it (docker network rm %s) and retry", name, name)
	}
	return out, nil
}

func (c *Client) RemoveNetworkIfUnused(ctx context.Context, name string) error {
	n, err := c.api.NetworkInspect(ctx, name, network.InspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(n.Containers) > 0 {
		return nil
	}
	// Stopped kubelab nodes are not in n.Containers but still hold fixed addresses here.
	nodes, err := c.ListNodes(ctx, "")
	if err != nil || len(nodes) > 0 {
		return err
	}
	if err := c.api.NetworkRemove(ctx, name); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove network %s: %w", name, err)
	}
	return nil
}

// FreeIP picks the lowest address of the subnet's lower half that no container on the
// network (running or stopped) holds and that is not in taken.
func (c *Client) FreeIP(ctx context.Context, nw Network, taken []string) (string, error) {
	p, err := netip.ParsePrefix(nw.Subnet)
	if err != nil {
		return "", fmt.Errorf("network %s: bad subnet %q", nw.Name, nw.Subnet)
	}
	busy := map[string]bool{nw.Gateway: true}
	for _, t := range taken {
		busy[t] = true
	}
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return "", fmt.Errorf("list containers: %w", err)
	}
	for _, ct := range list {
		if ct.NetworkSettings == nil {
			continue
		}
		if ep, ok := ct.NetworkSettings.Networks[nw.Name]; ok {
			busy[ep.IPAddress] = true
			if ep.IPAMConfig != nil {
				busy[ep.IPAMConfig.IPv4Address] = true
			}
		}
	}
	// Stopped containers do not report their configured address in the list: inspect them.
	for _, ct := range list {
		if ct.State == "running" {
			continue
		}
		info, err := c.api.ContainerInspect(ctx, ct.ID)
		if err != nil || info.NetworkSettings == nil {
			continue
		}
		if ep, ok := info.NetworkSettings.Networks[nw.Name]; ok && ep.IPAMConfig != nil {
			busy[ep.IPAMConfig.IPv4Address] = true
		}
	}
	limit := upperHalf(p).Addr()
	for a := p.Addr().Next(); a.Less(limit); a = a.Next() {
		if !busy[a.String()] {
			return a.String(), nil
		}
	}
	return "", fmt.Errorf("network %s: no free address left in %s", nw.Name, nw.Subnet)
}

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

func loadBalancerConfig(spec LoadBalancerSpec) (*container.Config, *container.HostConfig, *network.NetworkingConfig, error) {
	cfg, host, netCfg, err := baseConfig(spec.Name, spec.Image, spec.Network, spec.IP, []PortMapping{spec.Port},
		map[string]string{labels.Cluster: spec.Cluster, labels.Role: labels.RoleLoadBalancer})
	if err != nil {
		return nil, nil, nil, err
	}
	cfg.Cmd = []string{"--backends=" + strings.Join(spec.Backends, ",")}
	return cfg, host, netCfg, nil
}

// baseConfig is what every kubelab container has: a name and hostname, labels, published
// ports, a fixed address on the kubelab network, and a restart policy.
func baseConfig(name, image, networkName, ip string, ports []PortMapping, given map[string]string) (*container.Config, *container.HostConfig, *network.NetworkingConfig, error) {
	lbls := map[string]string{}
	for k, v := range given {
		lbls[k] = v
	}
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	for _, pm := range ports {
		proto := pm.Protocol
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, nil, nil, fmt.Errorf("node %s: port %d: protocol %q is not tcp, udp or sctp", name, pm.ContainerPort, proto)
		}
		port, err := nat.NewPort(proto, strconv.Itoa(pm.ContainerPort))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("node %s: port %d/%s: %w", name, pm.ContainerPort, proto, err)
		}
		exposed[port] = struct{}{}
		hostPort := ""
		if pm.HostPort > 0 {
			hostPort = strconv.Itoa(pm.HostPort)
		}
		bindings[port] = append(bindings[port], nat.PortBinding{HostIP: pm.ListenAddress, HostPort: hostPort})
		if pm.ContainerPort == 6443 && pm.HostPort > 0 {
			// Stopped containers report no ports: keep the API port where ListNodes finds it.
			lbls[labels.APIPort] = hostPort
		}
	}
	cfg := &container.Config{Hostname: name, Image: image, Labels: lbls, ExposedPorts: exposed}
	host := &container.HostConfig{
		PortBindings: bindings,
		// Come back after a daemon or host restart, but stay down after `kubelab stop`.
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		networkName: {
			IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip},
			Aliases:    []string{name},
		},
	}}
	return cfg, host, netCfg, nil
}

// containerConfig turns a NodeSpec into the Docker API's create request. Kept free of I/O
// so unit tests can check every flag.
func containerConfig(spec NodeSpec, lbls map[string]string) (*container.Config, *container.HostConfig, *network.NetworkingConfig, error) {
	cfg, host, netCfg, err := baseConfig(spec.Name, spec.Image, spec.Network, spec.IP, spec.Ports, lbls)
	if err != nil {
		return nil, nil, nil, err
	}
	// systemd recognises it runs in a container and skips hardware setup.
	cfg.Env = []string{"container=docker"}
	// systemd halts cleanly on SIGRTMIN+3; SIGTERM would make it re-execute itself.
	cfg.StopSignal = "SIGRTMIN+3"
	cfg.Tty = true // systemd writes its boot log to a terminal: `docker logs` shows it.
	// Writable scratch space that never lands in the image layer.
	host.Tmpfs = map[string]string{"/tmp": "", "/run": ""}
	// A private cgroup namespace makes the container's cgroup the root its kubelet sees.
	host.CgroupnsMode = container.CgroupnsModePrivate
	host.Mounts = []mount.Mount{{
		// Pods, images and etcd live on a real volume: overlayfs cannot be stacked on the
		// container's own overlay root, and the volume keeps a node's data across restarts.
		Type: mount.TypeVolume, Source: VolumeName(spec.Name), Target: "/var",
	}}
	host.SecurityOpt = []string{
		"seccomp=unconfined", // nested runc needs syscalls (mount, unshare, keyctl) the default profile blocks
		"apparmor=unconfined",
	}
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.HostPath, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
	}
	applySecurity(host, spec.Security)
	return cfg, host, netCfg, nil
}

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
		if ct.Labels[labels.Role] == "probe" || len(ct.Names) == 0 {
			continue
		}
		n := Node{
			Name:    strings.TrimPrefix(ct.Names[0], "/"),
			Cluster: ct.Labels[labels.Cluster],
			Role:    ct.Labels[labels.Role],
			State:   ct.State,
			Image:   ct.Image,
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
			if p.PrivatePort == 6443 && p.PublicPort != 0 {
				n.APIPort = int(p.PublicPort)
			}
		}
		if n.APIPort == 0 {
			n.APIPort, _ = strconv.Atoi(ct.Labels[labels.APIPort])
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

func (c *Client) Exec(ctx context.Context, node string, cmd []string, opts ExecOptions) error {
	created, err := c.api.ContainerExecCreate(ctx, node, container.ExecOptions{
		Cmd:          cmd,
		Env:          opts.Env,
		AttachStdin:  opts.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	att, err := c.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	defer att.Close()
	if opts.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, opts.Stdin)
			_ = att.CloseWrite()
		}()
	}
	// Keep a copy of the output for the error message when the caller does not want it.
	var captured bytes.Buffer
	stdout, stderr := opts.Stdout, opts.Stderr
	if stdout == nil {
		stdout = &captured
	}
	if stderr == nil {
		stderr = &captured
	}
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return fmt.Errorf("exec %q on node %s: %w", strings.Join(cmd, " "), node, ctx.Err())
	case err := <-done:
		if err != nil {
			return fmt.Errorf("exec on node %s: %w", node, err)
		}
	}
	info, err := c.api.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return fmt.Errorf("exec on node %s: %w", node, err)
	}
	if info.ExitCode != 0 {
		return &ExecError{Node: node, Cmd: cmd, ExitCode: info.ExitCode, Output: tail(captured.String(), 4000)}
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// WriteFile copies data into the node as a file, creating parent directories.
func (c *Client) WriteFile(ctx context.Context, node, path string, data []byte, mode int64) error {
	buf, err := fileTar(path, data, mode)
	if err != nil {
		return err
	}
	if err := c.api.CopyToContainer(ctx, node, "/", buf, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("write %s on node %s: %w", path, node, err)
	}
	return nil
}

// fileTar is a tar stream of one file at path (relative to the root) and its parent
// directories.
func fileTar(path string, data []byte, mode int64) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	rel := strings.TrimPrefix(path, "/")
	dirs := strings.Split(rel, "/")
	for i := 1; i < len(dirs); i++ {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.Join(dirs[:i], "/") + "/", Mode: 0o755, ModTime: now}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: mode, Size: int64(len(data)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// applySecurity grants a node container what systemd, containerd and nested pods need.
func applySecurity(host *container.HostConfig, sec Security) {
	switch sec {
	case Privileged:
		host.Privileged = true
	case Capabilities:
		// This daemon refuses --privileged because its capability bounding set lacks
		// CAP_SYS_RESOURCE, so ask for every capability but that one.
		host.CapAdd = []string{"ALL"}
		host.CapDrop = []string{"SYS_RESOURCE"}
		// Empty lists (not nil) unmask /proc and /sys paths, as --security-opt systempaths=unconfined does.
		host.MaskedPaths = []string{}
		host.ReadonlyPaths = []string{}
		// Nested containers need /dev/kmsg, /dev/fuse, loop devices...: allow every device.
		host.DeviceCgroupRules = []string{"a *:* rwm"}
	}
}
