package cluster

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// fakeProvider is an in-memory Docker for every test of the package: it records what
// the cluster flows ask of it.
type fakeProvider struct {
	mu          sync.Mutex
	down        bool
	images      map[string]string // ref → its labels.KubernetesVersion ("" for none)
	nodes       map[string]docker.Node
	volumes     map[string]bool
	network     bool
	execFail    string // fail the first exec whose command starts with this
	execs       []string
	files       map[string][]byte
	createErr   error
	lbBackends  []string
	copies      int // files copied out of nodes
	locked      int // LockNetwork calls
	stops       []string
	starts      []string
	onStart     func(name string) // called by StartNode
	onExec      func(line string) // called by Exec, e.g. to cancel the context
	registry    *docker.RegistrySpec
	registryErr error  // EnsureRegistry fails with it
	kernel      string // what KernelVersion says ("": a kernel other than this host's)
}

// fakeAdminConf stands for kubeadm's /etc/kubernetes/admin.conf.
const fakeAdminConf = `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: https://lab-control-plane:6443
users:
- name: kubernetes-admin
  user:
    token: fake-admin-token
contexts:
- name: kubernetes-admin@kubernetes
  context:
    cluster: kubernetes
    user: kubernetes-admin
current-context: kubernetes-admin@kubernetes
`

func newFake() *fakeProvider {
	return &fakeProvider{
		images:  map[string]string{"kubelab/node:v1.37.2": "v1.37.2"},
		nodes:   map[string]docker.Node{},
		volumes: map[string]bool{},
		files:   map[string][]byte{},
	}
}

func (f *fakeProvider) Ping(context.Context) error {
	if f.down {
		return docker.ErrDaemonUnreachable
	}
	return nil
}

func (f *fakeProvider) ImageLabel(_ context.Context, ref, key string) (string, bool, error) {
	v, ok := f.images[ref]
	if key != labels.KubernetesVersion {
		v = ""
	}
	return v, ok, nil
}

func (f *fakeProvider) DetectSecurity(context.Context, string) (docker.Security, error) {
	return docker.Capabilities, nil
}

func (f *fakeProvider) EnsureNetwork(context.Context, string) (docker.Network, error) {
	f.network = true
	return docker.Network{ID: "f00d", Name: NetworkName, Subnet: "172.30.0.0/16", Gateway: "172.30.0.1", IPRange: "172.30.128.0/17"}, nil
}

func (f *fakeProvider) RemoveNetworkIfUnused(context.Context, string) error {
	if len(f.nodes) == 0 {
		f.network = false
	}
	return nil
}

func (f *fakeProvider) FreeIP(_ context.Context, _ docker.Network, taken []string) (string, error) {
	return fmt.Sprintf("172.30.0.%d", 2+len(taken)+len(f.nodes)), nil
}

func (f *fakeProvider) CreateNode(_ context.Context, spec docker.NodeSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return f.createErr // like the real client, which removes the volume it made
	}
	f.volumes[docker.VolumeName(spec.Name)] = true
	n := docker.Node{Name: spec.Name, Cluster: spec.Cluster, Role: spec.Role, State: "running", IP: spec.IP, Image: spec.Image,
		LoadBalancerRange: spec.Labels[labels.LoadBalancerRange]}
	for _, pm := range spec.Ports {
		if pm.ContainerPort == 6443 {
			n.APIPort, n.APIAddress = pm.HostPort, pm.ListenAddress
		}
	}
	f.nodes[spec.Name] = n
	return nil
}

func (f *fakeProvider) CreateLoadBalancer(_ context.Context, spec docker.LoadBalancerSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lbBackends = spec.Backends
	f.nodes[spec.Name] = docker.Node{Name: spec.Name, Cluster: spec.Cluster, Role: labels.RoleLoadBalancer, State: "running", IP: spec.IP,
		Image: spec.Image, APIPort: spec.Port.HostPort, APIAddress: spec.Port.ListenAddress}
	return nil
}

func (f *fakeProvider) ListNodes(_ context.Context, cluster string) ([]docker.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []docker.Node
	for _, n := range f.nodes {
		if cluster == "" || n.Cluster == cluster {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeProvider) DeleteNode(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.nodes, name)
	delete(f.volumes, docker.VolumeName(name))
	return nil
}

func (f *fakeProvider) LockNetwork(context.Context) (func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locked++
	return func() {}, nil
}

func (f *fakeProvider) setState(name, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nodes[name]
	if !ok {
		return fmt.Errorf("no container %s", name)
	}
	n.State = state
	f.nodes[name] = n
	return nil
}

func (f *fakeProvider) StartNode(_ context.Context, name string) error {
	f.mu.Lock()
	f.starts = append(f.starts, name)
	f.mu.Unlock()
	if f.onStart != nil {
		f.onStart(name)
	}
	return f.setState(name, "running")
}

func (f *fakeProvider) StopNode(_ context.Context, name string, _ time.Duration) error {
	f.mu.Lock()
	f.stops = append(f.stops, name)
	f.mu.Unlock()
	return f.setState(name, "exited")
}

// ListVolumes finds a volume's cluster by the node name it starts with.
func (f *fakeProvider) ListVolumes(_ context.Context, cluster string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for v := range f.volumes {
		c, _, _ := strings.Cut(v, "-")
		if cluster == "" || c == cluster {
			out[c] = append(out[c], v)
		}
	}
	return out, nil
}

func (f *fakeProvider) DeleteVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.volumes, name)
	return nil
}

func (f *fakeProvider) InspectNode(_ context.Context, name string) ([]byte, error) {
	return []byte(`{"Name": "/` + name + `"}`), nil
}

func (f *fakeProvider) Exec(ctx context.Context, node string, cmd []string, opts docker.ExecOptions) error {
	line := strings.Join(cmd, " ")
	f.mu.Lock()
	f.execs = append(f.execs, node+": "+line)
	f.mu.Unlock()
	if f.onExec != nil {
		f.onExec(line)
	}
	if err := ctx.Err(); err != nil {
		return err // like the real client, whose request is cancelled
	}
	if f.execFail != "" && strings.HasPrefix(line, f.execFail) {
		if opts.Stdout != nil {
			_, _ = opts.Stdout.Write([]byte("boom"))
		}
		return &docker.ExecError{Node: node, Cmd: cmd, ExitCode: 1, Output: "boom"}
	}
	if strings.HasPrefix(line, "systemctl is-system-running") && opts.Stdout != nil {
		_, _ = opts.Stdout.Write([]byte("running\n"))
	}
	if line == "cat /etc/kubernetes/admin.conf" && opts.Stdout != nil {
		_, _ = opts.Stdout.Write([]byte(fakeAdminConf))
	}
	return nil
}

func (f *fakeProvider) SaveImages(_ context.Context, refs []string) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("archive of " + strings.Join(refs, ","))), nil
}

// CopyFromNode serves only /usr/local/bin/kubectl, as a tar of a file naming its node.
func (f *fakeProvider) CopyFromNode(_ context.Context, node, path string) (io.ReadCloser, error) {
	if path != "/usr/local/bin/kubectl" {
		return nil, fmt.Errorf("%s: not in the fake", path)
	}
	f.mu.Lock()
	f.copies++
	f.mu.Unlock()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	data := []byte("kubectl of " + node)
	if err := tw.WriteHeader(&tar.Header{Name: "kubectl", Mode: 0o755, Size: int64(len(data))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return io.NopCloser(&buf), nil
}

func (f *fakeProvider) WriteFile(_ context.Context, node, path string, data []byte, _ int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[node+":"+path] = data
	return nil
}

func (f *fakeProvider) EnsureRegistry(_ context.Context, spec docker.RegistrySpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.registryErr != nil {
		return f.registryErr
	}
	f.registry = &spec
	return nil
}

func (f *fakeProvider) InspectRegistry(_ context.Context, spec docker.RegistrySpec) (docker.Registry, error) {
	if f.registry == nil {
		return docker.Registry{Name: spec.Name, State: "absent", Volume: spec.Volume}, nil
	}
	return docker.Registry{Name: spec.Name, State: "running", HostPort: f.registry.HostPort, Volume: spec.Volume, VolumeExists: true}, nil
}

func (f *fakeProvider) RemoveRegistry(context.Context, docker.RegistrySpec) error {
	f.registry = nil
	return nil
}

func (f *fakeProvider) KernelVersion(context.Context) (string, error) { return f.kernel, nil }
