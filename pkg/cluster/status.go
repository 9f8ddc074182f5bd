package cluster

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
)

// NodeStatus is one container of a cluster, as `kubelab status` reports it.
type NodeStatus struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Container string `json:"container"` // Docker's state: running, exited, created, ...
	IP        string `json:"ip"`
	// Kubelet is systemd's state of kubelet (active, activating, failed, ...); empty for
	// the load balancer and for containers that are not running.
	Kubelet string `json:"kubelet,omitempty"`
	// APIServer (control planes) is "ok" when the node's own API server answers /readyz.
	APIServer string `json:"apiServer,omitempty"`
	// Ready is the Kubernetes node's Ready condition (True, False, Unknown), when the
	// API answers.
	Ready string `json:"ready,omitempty"`
}

// Status is what `kubelab status` reports of a cluster.
type Status struct {
	Name    string `json:"name"`
	Version string `json:"version"` // Kubernetes version of the node image
	// State is StateRunning (every container runs, the API answers, every node is Ready),
	// StateStopped (no container runs) or StateDegraded.
	State        string         `json:"state"`
	APIServer    string         `json:"apiServer"` // URL the host reaches the API server at
	APIAnswering bool           `json:"apiAnswering"`
	Kubeconfig   string         `json:"kubeconfig"` // the kubeconfig file looked at
	Context      string         `json:"context"`
	HasContext   bool           `json:"contextPresent"`
	Addons       []addons.State `json:"addons,omitempty"` // when the API answers
	Nodes        []NodeStatus   `json:"nodes"`
	Warnings     []string       `json:"warnings,omitempty"`
}

// statusTimeout bounds each question `kubelab status` asks a node or the API server.
const statusTimeout = 5 * time.Second

// GetStatus looks at a cluster from every side: its containers, systemd's view of each
// kubelet, each control plane's API server, the API server through the host's port, the
// Kubernetes nodes and add-ons, and the kubeconfig file.
func GetStatus(ctx context.Context, p docker.Provider, name, kubeconfigPath string) (*Status, error) {
	nodes, err := Nodes(ctx, p, name)
	if err != nil {
		return nil, err
	}
	s := &Status{Name: name, Context: kubeconfig.ContextName(name), Kubeconfig: kubeconfig.Path(kubeconfigPath)}
	_, err = kubeconfig.Get(s.Kubeconfig, s.Context)
	s.HasContext = err == nil
	var wg sync.WaitGroup
	s.Nodes = make([]NodeStatus, len(nodes))
	for i, n := range nodes {
		s.Nodes[i] = NodeStatus{Name: n.Name, Role: n.Role, Container: n.State, IP: n.IP}
		if n.Version != "" && (s.Version == "" || n.Role == labels.RoleControlPlane) {
			s.Version = n.Version
		}
		if n.APIPort != 0 && (s.APIServer == "" || n.Role == labels.RoleLoadBalancer) {
			s.APIServer = apiServerURL(n.APIAddress, n.APIPort)
		}
		s.Warnings = append(s.Warnings, publishWarnings(n)...)
		if n.State != "running" || n.Role == labels.RoleLoadBalancer {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Nodes[i].Kubelet = execOutput(ctx, p, n.Name, "systemctl", "is-active", "kubelet")
			if n.Role == labels.RoleControlPlane {
				// /readyz is open to anonymous clients (system:public-info-viewer).
				s.Nodes[i].APIServer = execOutput(ctx, p, n.Name, "curl", "-sk", "--max-time", "3", "https://127.0.0.1:6443/readyz")
				if s.Nodes[i].APIServer == "" {
					s.Nodes[i].APIServer = "not answering"
				}
			}
		}()
	}
	wg.Wait()
	if containerState(nodes) != StateStopped {
		s.askAPI(ctx, p)
	}
	s.State = s.overall(nodes)
	return s, nil
}

// askAPI fills in what the API server says, through the host's port: whether it
// answers, each node's Ready condition, and the add-ons.
func (s *Status) askAPI(ctx context.Context, p docker.Provider) {
	ctx, cancel := context.WithTimeout(ctx, 3*statusTimeout)
	defer cancel()
	rc, err := RESTConfig(ctx, p, s.Name)
	if err != nil {
		return
	}
	rc.Timeout = statusTimeout
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return
	}
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return
	}
	s.APIAnswering = true
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err == nil {
		ready := map[string]string{}
		for _, n := range list.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady {
					ready[n.Name] = string(c.Status)
				}
			}
		}
		for i := range s.Nodes {
			if s.Nodes[i].Role != labels.RoleLoadBalancer {
				s.Nodes[i].Ready = ready[s.Nodes[i].Name]
			}
		}
	}
	for _, a := range addons.All {
		if st, err := a.Status(ctx, cs); err == nil {
			s.Addons = append(s.Addons, st)
		}
	}
}

// overall is the cluster's state: stopped when no container runs, running when all run,
// the API answers and every node is Ready, degraded otherwise.
func (s *Status) overall(nodes []docker.Node) string {
	st := containerState(nodes)
	if st != StateRunning {
		return st
	}
	if !s.APIAnswering {
		return StateDegraded
	}
	for _, n := range s.Nodes {
		if n.Role != labels.RoleLoadBalancer && (n.Ready != "True" || n.Kubelet != "active") {
			return StateDegraded
		}
	}
	return StateRunning
}

// publishWarnings says which of a container's ports are published on every host
// address, where anyone who reaches the machine reaches them.
func publishWarnings(n docker.Node) []string {
	var out []string
	open := func(addr string) bool {
		a, err := netip.ParseAddr(addr)
		return err == nil && a.IsUnspecified()
	}
	if n.APIPort != 0 && open(n.APIAddress) {
		out = append(out, fmt.Sprintf("%s publishes the API server on every host address (%s:%d): set api_server_address = \"127.0.0.1\" in the configuration unless other machines must reach it",
			n.Name, n.APIAddress, n.APIPort))
	}
	for _, pub := range n.Published {
		host, _, _ := strings.Cut(pub, "->")
		addr := host[:max(strings.LastIndex(host, ":"), 0)]
		if open(addr) && !strings.Contains(pub, "->6443/") {
			out = append(out, fmt.Sprintf("%s publishes %s on every host address: set listen_address = \"127.0.0.1\" in its port_mappings unless other machines must reach it", n.Name, pub))
		}
	}
	return out
}

// execOutput runs a command in a node (statusTimeout at most) and returns its trimmed
// standard output, whether or not it succeeded.
func execOutput(ctx context.Context, p docker.Provider, node string, cmd ...string) string {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	var out strings.Builder
	_ = p.Exec(ctx, node, cmd, docker.ExecOptions{Stdout: &out})
	return strings.TrimSpace(out.String())
}
