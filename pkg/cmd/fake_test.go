package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kubelab/kubelab/pkg/docker"
)

// fakeDaemon stands in for the Docker daemon: it lists the nodes it is given and records
// every call, as "Method first-argument", so a test can say what a command did.
type fakeDaemon struct {
	nodes   []docker.Node
	images  map[string]string // the images there are, with the value of any label asked for
	pingErr error
	volumes []fakeVolume // volumes left without their container

	mu    sync.Mutex
	calls []string
}

var _ daemon = (*fakeDaemon)(nil)

type fakeVolume struct{ name, cluster string }

func (f *fakeDaemon) record(method string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := method
	if len(args) > 0 {
		call += fmt.Sprint(" ", args[0])
	}
	f.calls = append(f.calls, call)
}

// called lists the recorded calls of methods whose name starts with prefix.
func (f *fakeDaemon) called(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// The cluster side (docker.Provider).

func (f *fakeDaemon) Ping(context.Context) error { f.record("Ping"); return f.pingErr }

// KernelVersion says another kernel than this host's: no host limit is checked.
func (f *fakeDaemon) KernelVersion(context.Context) (string, error) { return "", nil }

func (f *fakeDaemon) ImageLabel(_ context.Context, ref, _ string) (string, bool, error) {
	f.record("ImageLabel", ref)
	value, exists := f.images[ref]
	return value, exists, nil
}

func (f *fakeDaemon) DetectSecurity(_ context.Context, image string) (docker.Security, error) {
	f.record("DetectSecurity", image)
	return docker.Privileged, nil
}

func (f *fakeDaemon) EnsureNetwork(_ context.Context, name string) (docker.Network, error) {
	f.record("EnsureNetwork", name)
	return docker.Network{Name: name}, nil
}

func (f *fakeDaemon) RemoveNetworkIfUnused(_ context.Context, name string) error {
	f.record("RemoveNetworkIfUnused", name)
	return nil
}

func (f *fakeDaemon) FreeIP(_ context.Context, n docker.Network, _ []string) (string, error) {
	f.record("FreeIP", n.Name)
	return "", nil
}

func (f *fakeDaemon) CreateNode(_ context.Context, spec docker.NodeSpec) error {
	f.record("CreateNode", spec.Name)
	return nil
}

func (f *fakeDaemon) CreateLoadBalancer(_ context.Context, spec docker.LoadBalancerSpec) error {
	f.record("CreateLoadBalancer", spec.Name)
	return nil
}

func (f *fakeDaemon) ListNodes(_ context.Context, cluster string) ([]docker.Node, error) {
	f.record("ListNodes", cluster)
	var out []docker.Node
	for _, n := range f.nodes {
		if cluster == "" || n.Cluster == cluster {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeDaemon) DeleteNode(_ context.Context, name string) error {
	f.record("DeleteNode", name)
	return nil
}

func (f *fakeDaemon) LockNetwork(context.Context) (func(), error) {
	f.record("LockNetwork")
	return func() {}, nil
}

func (f *fakeDaemon) StartNode(_ context.Context, name string) error {
	f.record("StartNode", name)
	return nil
}

func (f *fakeDaemon) StopNode(_ context.Context, name string, _ time.Duration) error {
	f.record("StopNode", name)
	return nil
}

func (f *fakeDaemon) ListVolumes(_ context.Context, cluster string) (map[string][]string, error) {
	f.record("ListVolumes", cluster)
	out := map[string][]string{}
	for _, v := range f.volumes {
		if cluster == "" || v.cluster == cluster {
			out[v.cluster] = append(out[v.cluster], v.name)
		}
	}
	return out, nil
}

func (f *fakeDaemon) DeleteVolume(_ context.Context, name string) error {
	f.record("DeleteVolume", name)
	return nil
}

func (f *fakeDaemon) InspectNode(_ context.Context, name string) ([]byte, error) {
	f.record("InspectNode", name)
	return []byte("{}"), nil
}

func (f *fakeDaemon) Exec(_ context.Context, node string, cmd []string, opts docker.ExecOptions) error {
	f.record("Exec", node)
	if len(cmd) > 1 && cmd[1] == "is-system-running" && opts.Stdout != nil {
		_, _ = opts.Stdout.Write([]byte("running\n")) // booted
	}
	return nil
}

func (f *fakeDaemon) SaveImages(_ context.Context, refs []string) (io.ReadCloser, error) {
	f.record("SaveImages", refs)
	return io.NopCloser(strings.NewReader("")), nil
}

func (f *fakeDaemon) CopyFromNode(_ context.Context, node, _ string) (io.ReadCloser, error) {
	f.record("CopyFromNode", node)
	return io.NopCloser(strings.NewReader("")), nil
}

func (f *fakeDaemon) WriteFile(_ context.Context, node, _ string, _ []byte, _ int64) error {
	f.record("WriteFile", node)
	return nil
}

// The image builders' side (docker.ImageBuilder).

func (f *fakeDaemon) ImageID(_ context.Context, ref string) string {
	f.record("ImageID", ref)
	return ""
}

func (f *fakeDaemon) ImageSize(_ context.Context, ref string) (int64, error) {
	f.record("ImageSize", ref)
	return 0, nil
}

func (f *fakeDaemon) ImportImage(_ context.Context, _ io.Reader, ref string, _ []string) error {
	f.record("ImportImage", ref)
	return nil
}

func (f *fakeDaemon) DeriveImage(_ context.Context, base, _ string) error {
	f.record("DeriveImage", base)
	return nil
}

func (f *fakeDaemon) RemoveImage(_ context.Context, ref string) error {
	f.record("RemoveImage", ref)
	return nil
}

func (f *fakeDaemon) RunBuildContainer(_ context.Context, name, _ string, _ docker.Security, _ string) error {
	f.record("RunBuildContainer", name)
	return nil
}

func (f *fakeDaemon) Extract(_ context.Context, name, _ string, _ io.Reader) error {
	f.record("Extract", name)
	return nil
}

func (f *fakeDaemon) CommitContainer(_ context.Context, name, _ string, _ []string) error {
	f.record("CommitContainer", name)
	return nil
}

func (f *fakeDaemon) EnsureRegistry(_ context.Context, spec docker.RegistrySpec) error {
	f.record("EnsureRegistry", spec.Name)
	return nil
}

func (f *fakeDaemon) InspectRegistry(_ context.Context, spec docker.RegistrySpec) (docker.Registry, error) {
	f.record("InspectRegistry", spec.Name)
	return docker.Registry{Name: spec.Name, State: "running", HostPort: 5001, Volume: spec.Volume, VolumeExists: true}, nil
}

func (f *fakeDaemon) RemoveRegistry(_ context.Context, spec docker.RegistrySpec) error {
	f.record("RemoveRegistry", spec.Name)
	return nil
}
