package cluster

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
	"github.com/kubelab/kubelab/pkg/ui"
)

// StartOptions are the choices of one `kubelab start`.
type StartOptions struct {
	Name string
	Wait time.Duration // how long to wait for the API server, nodes and pods; 0: do not wait
}

// starting carries what the steps of one start hand to each other.
type starting struct {
	existing
	opts StartOptions
	// restarted maps each node this start started to the moment it did (to the second,
	// the precision of the API's timestamps).
	restarted map[string]time.Time
	client    kubernetes.Interface
}

// Start brings a stopped cluster back, as it was: the containers keep their volumes (etcd,
// images, PersistentVolume data), their fixed addresses and their published ports, so
// certificates and kubeconfigs stay valid and kubelet restarts every pod. The steps below
// are the whole story of a start, in order. Only stopped containers are started (a
// degraded cluster gets its missing nodes back); wasStopped is false when all of them
// were running already: a start of a running cluster succeeds and changes nothing.
func Start(ctx context.Context, p docker.Provider, st *ui.Status, opts StartOptions) (wasStopped bool, err error) {
	s := &starting{existing: existing{p: p, name: opts.Name}, opts: opts, restarted: map[string]time.Time{}}
	nothingStarted := func() bool { return len(s.restarted) == 0 }
	steps := []ui.Step{
		{Title: "Finding cluster " + opts.Name, Run: s.findStartable},
		// The API servers' balancer first: kubelets and the host reach the API through it.
		s.startRole("Starting the load balancer", labels.RoleLoadBalancer),
		// All control planes at once: etcd needs a quorum of its members to serve.
		s.startRole("Starting control-plane nodes", labels.RoleControlPlane),
		s.startRole("Starting worker nodes", labels.RoleWorker),
		{Title: "Waiting for systemd and containerd in the nodes", Run: s.waitForBoot, Skip: nothingStarted},
		{Title: "Waiting for the API server", Run: s.waitAPI, Skip: func() bool { return nothingStarted() || opts.Wait <= 0 }},
		{Title: "Waiting for the nodes, system pods and add-ons to be ready", Run: s.waitReady,
			Skip: func() bool { return nothingStarted() || opts.Wait <= 0 }},
	}
	if err := st.Run(ctx, steps); err != nil {
		return len(s.restarted) > 0, err
	}
	return len(s.restarted) > 0, nil
}

// findStartable finds the cluster's containers and checks that the host can run the
// nodes that are stopped beside those running already (checkInotify).
func (s *starting) findStartable(ctx context.Context) error {
	if err := s.find(ctx); err != nil {
		return err
	}
	var roles []string
	for _, n := range s.withRole(false, labels.RoleControlPlane, labels.RoleWorker) {
		roles = append(roles, n.Role)
	}
	return checkInotify(ctx, s.p, roles)
}

// startRole is the step that starts the stopped containers of a role, at once.
func (s *starting) startRole(title, role string) ui.Step {
	return ui.Step{
		Title: title,
		Run: func(ctx context.Context) error {
			stopped := s.withRole(false, role)
			since := time.Now().Truncate(time.Second)
			for _, n := range stopped {
				s.restarted[n.Name] = since
			}
			return each(ctx, stopped, func(ctx context.Context, n docker.Node) error { return s.p.StartNode(ctx, n.Name) })
		},
		Skip: func() bool { return len(s.withRole(false, role)) == 0 },
	}
}

// waitForBoot waits for systemd and containerd in every node this start started.
func (s *starting) waitForBoot(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range s.nodes {
		if _, ok := s.restarted[n.Name]; ok && n.Role != labels.RoleLoadBalancer {
			g.Go(func() error { return waitForNode(ctx, s.p, n.Name) })
		}
	}
	return g.Wait()
}

// waitAPI waits until the API server answers /readyz through the port the host's
// kubeconfig names.
func (s *starting) waitAPI(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Wait)
	defer cancel()
	rc, err := RESTConfig(ctx, s.p, s.name)
	if err != nil {
		return err
	}
	if s.client, err = kubernetes.NewForConfig(rc); err != nil {
		return err
	}
	err = retry(ctx, func() error {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := s.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(rctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("the API server of cluster %s did not answer at %s: %w (see `kubelab status --name %s`)", s.name, rc.Host, err, s.name)
	}
	return nil
}

// waitReady waits, as create does, until every node is Ready, every system component
// and every installed add-on runs again.
func (s *starting) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Wait)
	defer cancel()
	if err := waitReady(ctx, s.client, s.kubeNodes(), s.restarted); err != nil {
		return err
	}
	var installed []addons.Addon
	for _, a := range addons.All {
		state, err := a.Status(ctx, s.client)
		if err != nil {
			return fmt.Errorf("add-on %s: %w", a.Name, err)
		}
		if state.Enabled {
			installed = append(installed, a)
		}
	}
	return waitAddonPods(ctx, s.client, installed, s.restarted)
}
