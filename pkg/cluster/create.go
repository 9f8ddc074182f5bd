package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	api "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubelab/kubelab/images"
	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeadm"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

// CreateOptions are the choices of one `kubelab create cluster`.
type CreateOptions struct {
	Config     *config.Cluster
	Wait       time.Duration // 0: do not wait for readiness
	Retain     bool          // keep the nodes of a failed create, for debugging
	Kubeconfig string        // file to merge into; "" for $KUBECONFIG or ~/.kube/config
}

// node is a node being created.
type node struct {
	name string
	role string
	ip   string
	spec config.Node
}

// creation carries what the steps of one create hand to each other.
type creation struct {
	p    docker.Provider
	opts CreateOptions
	cfg  *config.Cluster

	version  string // Kubernetes version of the node image
	network  docker.Network
	security docker.Security
	nodes    []node
	apiPort  int
	token    string
	// certificateKey lets joining control planes fetch the cluster's CA and keys.
	certificateKey string
	lbIP           string
	// lbRange is the cluster's block of LoadBalancer Service addresses ("" for none).
	lbRange string
	// registryMade: this create started the local registry, on a volume of its own.
	registryMade bool
	// notices are printed once the create is done (a step's spinner would garble them).
	notices []string

	kubeconfig *api.Config
	restConfig *rest.Config
	client     kubernetes.Interface
	created    bool // something exists that a rollback must remove
	merged     bool // the kubeconfig file holds this cluster's entries
}

// Create boots a cluster. The steps below are the whole story of a create, in order (the
// kubeadm steps are in kubeadm.go, the boot wait in boot.go).
// If a step fails, everything made so far is removed, unless opts.Retain.
func Create(ctx context.Context, p docker.Provider, st *ui.Status, opts CreateOptions) (err error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	cfg.SetDefaults()
	c := &creation{p: p, opts: opts, cfg: cfg}

	steps := []ui.Step{
		{Title: "Checking Docker, the node image " + cfg.Image + " and the host's inotify limit", Run: c.preflight},
		{Title: "Starting node containers", Run: c.startNodes},
		{Title: "Waiting for systemd and containerd in the nodes", Run: c.waitForBoot},
		{Title: "Connecting the nodes to the local registry " + c.registryHost(), Run: c.connectRegistry, Skip: func() bool { return cfg.Registry == nil }},
		{Title: "Starting the control plane (kubeadm init)", Run: c.kubeadmInit},
		{Title: coreDNSTitle(len(cfg.Nodes)), Run: c.tuneCoreDNS},
		{Title: "Installing the pod network (kubelab-netd)", Run: c.installPodNetwork},
		{Title: "Installing add-ons (" + strings.Join(c.addonNames(), ", ") + ")", Run: c.installAddons, Skip: func() bool { return len(c.addons()) == 0 }},
		{Title: "Joining control-plane nodes", Run: c.joinControlPlanes, Skip: func() bool { return !c.ha() }},
		{Title: "Joining worker nodes", Run: c.joinWorkers, Skip: func() bool { return len(c.role(labels.RoleWorker)) == 0 }},
		{Title: "Writing kubeconfig context " + kubeconfig.ContextName(cfg.Name), Run: c.exportKubeconfig},
		{Title: "Waiting for the nodes and system pods to be ready", Run: c.waitReady, Skip: func() bool { return opts.Wait <= 0 }},
	}

	defer func() {
		if err != nil && c.created {
			c.rollback(st)
		}
		// Ctrl-C (SIGINT) or SIGTERM cancels ctx: say so rather than "context canceled".
		if err != nil && ctx.Err() != nil {
			kept := "everything it had made was removed"
			if opts.Retain {
				kept = "its nodes were kept (--retain): remove them with `kubelab delete cluster --name " + cfg.Name + "`"
			}
			err = fmt.Errorf("create of cluster %q interrupted (%v): %s", cfg.Name, context.Cause(ctx), kept)
		}
	}()
	defer func() {
		for _, n := range c.notices {
			st.Infof("%s", n)
		}
	}()
	return st.Run(ctx, steps)
}

// role returns the nodes of a role, in order.
func (c *creation) role(r string) []node {
	var out []node
	for _, n := range c.nodes {
		if n.role == r {
			out = append(out, n)
		}
	}
	return out
}

// registryHost is the local registry's name on the host, e.g. localhost:5001.
func (c *creation) registryHost() string {
	if c.cfg.Registry == nil {
		return ""
	}
	return fmt.Sprintf("localhost:%d", c.cfg.Registry.HostPort)
}

// ha says whether the cluster has several control planes behind a load balancer.
func (c *creation) ha() bool { return len(c.role(labels.RoleControlPlane)) > 1 }

func (c *creation) loadBalancerName() string { return c.cfg.Name + "-" + labels.RoleLoadBalancer }

// preflight checks everything that can be checked before anything is created.
func (c *creation) preflight(ctx context.Context) error {
	if err := c.cfg.Validate(); err != nil {
		return err
	}
	if c.cfg.Image == "" {
		return errors.New("no node image given")
	}
	if err := kubeadm.CheckPatches(c.cfg.KubeadmConfigPatches); err != nil {
		return err
	}
	if err := c.p.Ping(ctx); err != nil {
		return err
	}
	version, exists, err := c.p.ImageLabel(ctx, c.cfg.Image, labels.KubernetesVersion)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("node image %s not found: build it with `kubelab build node-image` (or `make node-image`)", c.cfg.Image)
	}
	if version == "" {
		return fmt.Errorf("image %s is not a kubelab node image (no %s label)", c.cfg.Image, labels.KubernetesVersion)
	}
	if err := checkNodeVersion(c.cfg.Image, version); err != nil {
		return err
	}
	c.version = version
	if c.cfg.Registry != nil {
		if err := c.checkRegistryImage(ctx); err != nil {
			return err
		}
	}
	existing, err := c.p.ListNodes(ctx, c.cfg.Name)
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		return fmt.Errorf("cluster %q already exists: delete it with `kubelab delete cluster --name %s` or choose another --name", c.cfg.Name, c.cfg.Name)
	}
	for i, name := range NodeNames(c.cfg.Name, c.cfg.Nodes) {
		c.nodes = append(c.nodes, node{name: name, role: c.cfg.Nodes[i].Role, spec: c.cfg.Nodes[i]})
	}
	// Control planes first: the first node is the one kubeadm init runs on.
	sort.SliceStable(c.nodes, func(i, j int) bool {
		return c.nodes[i].role == labels.RoleControlPlane && c.nodes[j].role != labels.RoleControlPlane
	})
	var roles []string
	for _, n := range c.nodes {
		roles = append(roles, n.role)
	}
	if err := checkInotify(ctx, c.p, roles); err != nil {
		return err
	}
	if err := checkHostPorts(c.cfg); err != nil {
		return err
	}
	c.apiPort = c.cfg.Networking.APIServerPort
	if c.apiPort == 0 {
		if c.apiPort, err = freePort(c.cfg.Networking.APIServerAddress); err != nil {
			return err
		}
	}
	if c.token, err = bootstrapToken(); err != nil {
		return err
	}
	if c.ha() {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		c.certificateKey = hex.EncodeToString(key)
	}
	return nil
}

// startNodes creates the network, the node containers (all at once) and, with several
// control planes, the load balancer in front of their API servers. It holds the host-wide
// network lock throughout, so that a kubelab creating another cluster at the same moment
// neither makes a second network of the same name nor picks the same fixed addresses.
func (c *creation) startNodes(ctx context.Context) error {
	unlock, err := c.p.LockNetwork(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	c.created = true // from here on a rollback has something to look for
	if c.network, err = c.p.EnsureNetwork(ctx, NetworkName); err != nil {
		return err
	}
	if c.security, err = c.p.DetectSecurity(ctx, c.cfg.Image); err != nil {
		return err
	}
	if c.lbRange, err = c.loadBalancerBlock(ctx); err != nil {
		return err
	}
	// The registry first: a busy host port stops the create before any node exists.
	if c.cfg.Registry != nil {
		if err := c.ensureRegistry(ctx); err != nil {
			return err
		}
	}
	var taken []string
	for i := range c.nodes {
		if c.nodes[i].ip, err = c.p.FreeIP(ctx, c.network, taken); err != nil {
			return err
		}
		taken = append(taken, c.nodes[i].ip)
	}
	if c.ha() {
		if c.lbIP, err = c.p.FreeIP(ctx, c.network, taken); err != nil {
			return err
		}
	}
	apiPort := docker.PortMapping{ContainerPort: 6443, HostPort: c.apiPort, ListenAddress: c.cfg.Networking.APIServerAddress}
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range c.nodes {
		spec := docker.NodeSpec{
			Name: n.name, Cluster: c.cfg.Name, Role: n.role, Image: c.cfg.Image,
			Network: c.network.ID, IP: n.ip, Security: c.security,
		}
		if c.lbRange != "" {
			spec.Labels = map[string]string{labels.LoadBalancerRange: c.lbRange}
		}
		if i == 0 && !c.ha() {
			spec.Ports = []docker.PortMapping{apiPort}
		}
		for _, pm := range n.spec.PortMappings {
			spec.Ports = append(spec.Ports, docker.PortMapping{ContainerPort: pm.ContainerPort, HostPort: pm.HostPort,
				ListenAddress: pm.ListenAddress, Protocol: pm.Protocol})
		}
		for _, m := range n.spec.ExtraMounts {
			spec.Mounts = append(spec.Mounts, docker.Mount{HostPath: m.HostPath, ContainerPath: m.ContainerPath, ReadOnly: m.ReadOnly})
		}
		g.Go(func() error { return c.p.CreateNode(gctx, spec) })
	}
	if c.ha() {
		var backends []string
		for _, n := range c.role(labels.RoleControlPlane) {
			backends = append(backends, n.name+":6443")
		}
		g.Go(func() error {
			return c.p.CreateLoadBalancer(gctx, docker.LoadBalancerSpec{
				Name: c.loadBalancerName(), Cluster: c.cfg.Name, Image: images.LoadBalancer,
				Network: c.network.ID, IP: c.lbIP, Port: apiPort, Backends: backends,
			})
		})
	}
	return g.Wait()
}

// loadBalancerBlock picks the cluster's block of LoadBalancer Service addresses: the
// lowest block of the network's LoadBalancer area that no other cluster's nodes carry.
// A network with no room for one (made by hand, without kubelab's IPRange) only costs
// the cluster its LoadBalancer addresses, with a notice.
func (c *creation) loadBalancerBlock(ctx context.Context) (string, error) {
	all, err := c.p.ListNodes(ctx, "")
	if err != nil {
		return "", err
	}
	var used []string
	for _, n := range all {
		if n.LoadBalancerRange != "" {
			used = append(used, n.LoadBalancerRange)
		}
	}
	block, err := docker.FreeLoadBalancerBlock(c.network, used)
	if err != nil {
		c.notices = append(c.notices, fmt.Sprintf("Note: LoadBalancer Services will stay <pending>: %v", err))
		return "", nil
	}
	return block.String(), nil
}

// addons are the add-ons the configuration chooses, in install order.
func (c *creation) addons() []addons.Addon {
	var out []addons.Addon
	for _, a := range addons.All {
		if c.cfg.Addons.Enabled(a.Name) {
			out = append(out, a)
		}
	}
	return out
}

func (c *creation) addonNames() []string {
	var names []string
	for _, a := range c.addons() {
		names = append(names, a.Name)
	}
	return names
}

// installAddons applies the chosen add-ons' manifests; their pods start as soon as the
// nodes are Ready, while the rest of the cluster comes up.
func (c *creation) installAddons(ctx context.Context) error {
	for _, a := range c.addons() {
		if err := a.Enable(ctx, c.restConfig); err != nil {
			return fmt.Errorf("add-on %s: %w", a.Name, err)
		}
	}
	return nil
}

func (c *creation) exportKubeconfig(context.Context) error {
	path := kubeconfig.Path(c.opts.Kubeconfig)
	c.merged = true // a failed merge may still have left entries: the rollback checks
	return kubeconfig.Merge(path, kubeconfig.ContextName(c.cfg.Name), c.kubeconfig)
}

func (c *creation) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Wait)
	defer cancel()
	var names []string
	for _, n := range c.nodes {
		names = append(names, n.name)
	}
	if err := WaitReady(ctx, c.client, names); err != nil {
		return err
	}
	var awaited []addons.Addon
	for _, a := range c.addons() {
		if !a.ReadyLate {
			awaited = append(awaited, a)
		}
	}
	return WaitAddons(ctx, c.client, awaited)
}

// rollback removes what a failed create made, unless asked to keep it. It runs on a
// context of its own: the create's may be the one that was cancelled.
func (c *creation) rollback(st *ui.Status) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if c.opts.Retain {
		st.Infof("Keeping the nodes of cluster %q for inspection (--retain); remove them with `kubelab delete cluster --name %s`.", c.cfg.Name, c.cfg.Name)
		return
	}
	st.Start("Removing what was created")
	_, err := deleteCluster(ctx, c.p, c.cfg.Name, c.merged, c.opts.Kubeconfig)
	if rerr := c.removeRegistryIfMade(ctx); err == nil {
		err = rerr
	}
	st.End(err)
}
