package docker

import (
	"testing"

	"github.com/docker/docker/api/types/mount"

	"github.com/kubelab/kubelab/pkg/labels"
)

func baseSpec() NodeSpec {
	return NodeSpec{
		Name: "lab-control-plane", Cluster: "lab", Role: labels.RoleControlPlane, Image: "kubelab/node:v1.37.2",
		Network: "f00d1d", IP: "172.30.0.2",
		Ports: []PortMapping{{ContainerPort: 6443, HostPort: 40001, ListenAddress: "127.0.0.1"}},
	}
}

func TestContainerConfigPrivileged(t *testing.T) {
	spec := baseSpec()
	spec.Security = Privileged
	cfg, host, netCfg, err := containerConfig(spec, map[string]string{labels.Cluster: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	if !host.Privileged || len(host.CapAdd) != 0 || host.MaskedPaths != nil {
		t.Errorf("privileged node: privileged=%v capAdd=%v masked=%v", host.Privileged, host.CapAdd, host.MaskedPaths)
	}
	if cfg.Hostname != spec.Name || cfg.Image != spec.Image || cfg.StopSignal != "SIGRTMIN+3" {
		t.Errorf("config: %+v", cfg)
	}
	if cfg.Labels[labels.Cluster] != "lab" || cfg.Labels[labels.APIPort] != "40001" || cfg.Labels[labels.APIAddress] != "127.0.0.1" {
		t.Errorf("labels: %v", cfg.Labels)
	}
	b := host.PortBindings["6443/tcp"]
	if len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != "40001" {
		t.Errorf("API port binding: %+v", host.PortBindings)
	}
	if host.CgroupnsMode != "private" || host.RestartPolicy.Name != "unless-stopped" {
		t.Errorf("cgroupns %q restart %q", host.CgroupnsMode, host.RestartPolicy.Name)
	}
	if _, ok := host.Tmpfs["/run"]; !ok {
		t.Errorf("no tmpfs on /run: %v", host.Tmpfs)
	}
	if len(host.Mounts) != 1 || host.Mounts[0].Type != mount.TypeVolume || host.Mounts[0].Target != "/var" || host.Mounts[0].Source != "lab-control-plane-var" {
		t.Errorf("mounts: %+v", host.Mounts)
	}
	ep := netCfg.EndpointsConfig["f00d1d"]
	// Connected by network ID, which the daemon keeps (the name may be ambiguous).
	if ep == nil || ep.IPAMConfig.IPv4Address != "172.30.0.2" || ep.NetworkID != "f00d1d" {
		t.Errorf("endpoint: %+v", ep)
	}
}

func TestContainerConfigCapabilitiesFallback(t *testing.T) {
	spec := baseSpec()
	spec.Security = Capabilities
	spec.Mounts = []Mount{{HostPath: "/src", ContainerPath: "/src", ReadOnly: true}}
	_, host, _, err := containerConfig(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host.Privileged {
		t.Error("fallback must not ask for --privileged")
	}
	if len(host.CapAdd) != 1 || host.CapAdd[0] != "ALL" || len(host.CapDrop) != 1 || host.CapDrop[0] != "SYS_RESOURCE" {
		t.Errorf("caps add %v drop %v", host.CapAdd, host.CapDrop)
	}
	// Empty, non-nil lists: the daemon then masks nothing (systempaths=unconfined).
	if host.MaskedPaths == nil || len(host.MaskedPaths) != 0 || host.ReadonlyPaths == nil || len(host.ReadonlyPaths) != 0 {
		t.Errorf("masked %v readonly %v", host.MaskedPaths, host.ReadonlyPaths)
	}
	if len(host.DeviceCgroupRules) != 1 || host.DeviceCgroupRules[0] != "a *:* rwm" {
		t.Errorf("device rules %v", host.DeviceCgroupRules)
	}
	want := map[string]bool{"seccomp=unconfined": true, "apparmor=unconfined": true}
	for _, o := range host.SecurityOpt {
		delete(want, o)
	}
	if len(want) != 0 {
		t.Errorf("security options %v lack %v", host.SecurityOpt, want)
	}
	if len(host.Mounts) != 2 || host.Mounts[1].Source != "/src" || !host.Mounts[1].ReadOnly || host.Mounts[1].Type != mount.TypeBind {
		t.Errorf("extra mount: %+v", host.Mounts)
	}
}

func TestContainerConfigRejectsBadProtocol(t *testing.T) {
	spec := baseSpec()
	spec.Ports = []PortMapping{{ContainerPort: 80, Protocol: "icmp"}}
	if _, _, _, err := containerConfig(spec, nil); err == nil {
		t.Error("accepted protocol icmp")
	}
}

func TestLoadBalancerConfigHasNoNodePowers(t *testing.T) {
	cfg, host, netCfg, err := loadBalancerConfig(LoadBalancerSpec{
		Name: "lab-external-load-balancer", Cluster: "lab", Image: "kubelab/lb:1.0", Network: "f00d1d", IP: "172.30.0.5",
		Port:     PortMapping{ContainerPort: 6443, HostPort: 40002, ListenAddress: "127.0.0.1"},
		Backends: []string{"lab-control-plane:6443", "lab-control-plane2:6443"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if host.Privileged || len(host.CapAdd) != 0 || len(host.Mounts) != 0 || len(host.SecurityOpt) != 0 {
		t.Errorf("load balancer got node powers: %+v", host)
	}
	if cfg.Labels[labels.Role] != labels.RoleLoadBalancer || cfg.Labels[labels.Cluster] != "lab" {
		t.Errorf("labels %v", cfg.Labels)
	}
	if len(cfg.Cmd) != 1 || cfg.Cmd[0] != "--backends=lab-control-plane:6443,lab-control-plane2:6443" {
		t.Errorf("cmd %v", cfg.Cmd)
	}
	if b := host.PortBindings["6443/tcp"]; len(b) != 1 || b[0].HostPort != "40002" || b[0].HostIP != "127.0.0.1" {
		t.Errorf("ports %v", host.PortBindings)
	}
	if netCfg.EndpointsConfig["f00d1d"].IPAMConfig.IPv4Address != "172.30.0.5" {
		t.Errorf("address %+v", netCfg.EndpointsConfig["f00d1d"])
	}
}
