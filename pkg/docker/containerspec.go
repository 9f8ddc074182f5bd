package docker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/kubelab/kubelab/pkg/labels"
)

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
func baseConfig(name, image, networkID, ip string, ports []PortMapping, given map[string]string) (*container.Config, *container.HostConfig, *network.NetworkingConfig, error) {
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
			// Stopped containers report no ports: keep the API port and address where
			// ListNodes finds them.
			lbls[labels.APIPort] = hostPort
			lbls[labels.APIAddress] = pm.ListenAddress
		}
	}
	cfg := &container.Config{Hostname: name, Image: image, Labels: lbls, ExposedPorts: exposed}
	host := &container.HostConfig{
		PortBindings: bindings,
		// unless-stopped: a container that was running when the daemon (or the host) went
		// down is started again when it comes back, and one stopped on purpose (`kubelab
		// stop` is a `docker stop`) stays stopped. "always" would also revive stopped
		// clusters; "on-failure" would revive none after a daemon restart.
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		// By ID: a name may be ambiguous (see Network.ID). Keyed by ID alone, the daemon
		// keeps only the network's name and looks it up by name at the first start;
		// NetworkID makes it keep the ID.
		networkID: {
			NetworkID:  networkID,
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
		// Pods, images and etcd live on a real volume: an overlayfs upper directory cannot
		// sit on the container's own overlay root, and the volume keeps a node's data
		// across restarts. (The preloaded images' layers stay in the image: see
		// nodeimage.PreloadedSnapshots.)
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
