package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/kubeadm"
	"github.com/kubelab/kubelab/pkg/labels"
)

// kubeadmConfig is what kubeadm init and join need to know about node n.
func (c *creation) kubeadmConfig(n node) kubeadm.Config {
	// Every node reaches the API server by a name Docker's DNS resolves: the first control
	// plane, or the load balancer in front of all of them.
	endpoint := c.nodes[0].name
	sans := []string{c.nodes[0].name, c.nodes[0].ip}
	if c.ha() {
		endpoint = c.loadBalancerName()
		sans = []string{endpoint, c.lbIP}
	}
	// The host's kubeconfig names the API server by the address it is published on;
	// kubeadm always adds 127.0.0.1, which also stands for a binding on every address.
	if host := hostAPIAddress(c.cfg.Networking.APIServerAddress); host != "127.0.0.1" {
		sans = append(sans, host)
	}
	return kubeadm.Config{
		ClusterName:          c.cfg.Name,
		KubernetesVersion:    c.version,
		NodeName:             n.name,
		NodeIP:               n.ip,
		ControlPlaneEndpoint: endpoint + ":6443",
		CertSANs:             sans,
		CertificateKey:       c.certificateKey,
		NodeLabels:           n.spec.Labels,
		PodSubnet:            c.cfg.Networking.PodSubnet,
		ServiceSubnet:        c.cfg.Networking.ServiceSubnet,
		DNSDomain:            c.cfg.Networking.DNSDomain,
		Token:                c.token,
		Schedulable:          len(c.nodes) == 1,
		SingleControlPlane:   !c.ha(),
	}
}

const (
	kubeadmConfigPath = "/etc/kubelab/kubeadm.yaml"
	// kubeadmLogPath keeps what kubeadm init or join printed, with its phase timings, for
	// `kubelab export logs`.
	kubeadmLogPath = "/var/log/kubelab/kubeadm.log"
)

// runKubeadm runs kubeadm on a node and keeps its output in the node, whether it
// succeeded or not; a failure's error still carries the output's tail.
func (c *creation) runKubeadm(ctx context.Context, node string, args []string) error {
	var out bytes.Buffer
	err := c.p.Exec(ctx, node, args, docker.ExecOptions{Stdout: &out, Stderr: &out})
	if ctx.Err() == nil {
		log := append([]byte("$ "+strings.Join(args, " ")+"\n"), out.Bytes()...)
		if werr := c.p.WriteFile(ctx, node, kubeadmLogPath, log, 0o600); werr != nil && err == nil {
			return werr
		}
	}
	return err
}

// kubeadmInit bootstraps the first control plane and connects to its API server.
func (c *creation) kubeadmInit(ctx context.Context) error {
	first := c.nodes[0]
	data, err := kubeadm.InitConfig(c.kubeadmConfig(first))
	if err == nil {
		data, err = kubeadm.Patch(data, c.cfg.KubeadmConfigPatches)
	}
	if err != nil {
		return err
	}
	if err := c.p.WriteFile(ctx, first.name, kubeadmConfigPath, data, 0o600); err != nil {
		return err
	}
	if err := c.writeFirstCNIConfig(ctx); err != nil {
		return err
	}
	args := []string{"kubeadm", "init", "--config=" + kubeadmConfigPath, "--skip-token-print"}
	if c.ha() {
		// Joining control planes fetch the CA and keys from the cluster, encrypted with the
		// certificate key.
		args = append(args, "--upload-certs")
	}
	if err := c.runKubeadm(ctx, first.name, args); err != nil {
		return fmt.Errorf("kubeadm init failed: %w", err)
	}
	if c.kubeconfig, err = hostKubeconfig(ctx, c.p, c.cfg.Name, first.name, c.cfg.Networking.APIServerAddress, c.apiPort); err != nil {
		return err
	}
	c.restConfig, c.client, err = clientFor(c.kubeconfig)
	return err
}

// tuneCoreDNS shortens the period of CoreDNS's readiness probe from kubeadm's 10 s (the
// Kubernetes default) to 1 s. The first probe after the container starts usually comes
// before CoreDNS has synced with the API server; the next one, a whole period later, is
// what a create and a learner's first Service lookup wait on. A kubelet that started
// less than one period before also delays each new probe by a random part of it. Patched
// right after kubeadm init, before the controller manager has (usually) made any
// ReplicaSet of the Deployment, so no pod is replaced. The same patch gives CoreDNS's Go
// runtime the control plane's GOGC (see kubeadm.GoGC): it collects garbage sooner and
// keeps the idle node smaller. On a single node it runs one replica, as minikube does:
// kubeadm's second replica spreads DNS over two nodes, and on one it would only cost a
// pod's memory (about 11 MiB: CoreDNS, its containerd shim and pause).
func (c *creation) tuneCoreDNS(ctx context.Context) error {
	patch := []byte(coreDNSPatch(len(c.nodes)))
	_, err := c.client.AppsV1().Deployments(metav1.NamespaceSystem).Patch(ctx, "coredns", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil // kubeadm config patches skipped kubeadm's CoreDNS: nothing to tune
	}
	if err != nil {
		return fmt.Errorf("CoreDNS readiness probe: %w", err)
	}
	return nil
}

// coreDNSTitle is tuneCoreDNS's status line.
func coreDNSTitle(nodes int) string {
	if nodes == 1 {
		return "Tuning CoreDNS (readiness probed every second, one replica on one node)"
	}
	return "Tuning CoreDNS (readiness probed every second)"
}

// coreDNSPatch is tuneCoreDNS's patch of the coredns Deployment, for a cluster of that
// many nodes.
func coreDNSPatch(nodes int) string {
	replicas := ""
	if nodes == 1 {
		replicas = `"replicas":1,`
	}
	return `{"spec":{` + replicas + `"template":{"spec":{"containers":[{"name":"coredns","readinessProbe":{"periodSeconds":1},` +
		`"env":[{"name":"GOGC","value":"` + kubeadm.GoGC + `"}]}]}}}}`
}

// joinControlPlanes joins the other control planes one at a time: each adds an etcd
// member, and etcd grows safely one member at a time.
func (c *creation) joinControlPlanes(ctx context.Context) error {
	for _, n := range c.role(labels.RoleControlPlane)[1:] {
		if err := c.join(ctx, n, true); err != nil {
			return err
		}
	}
	return nil
}

// joinWorkers joins every worker at once.
func (c *creation) joinWorkers(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, n := range c.role(labels.RoleWorker) {
		g.Go(func() error { return c.join(ctx, n, false) })
	}
	return g.Wait()
}

func (c *creation) join(ctx context.Context, n node, controlPlane bool) error {
	data, err := kubeadm.JoinConfig(c.kubeadmConfig(n), controlPlane)
	if err == nil {
		data, err = kubeadm.Patch(data, c.cfg.KubeadmConfigPatches)
	}
	if err != nil {
		return err
	}
	if err := c.p.WriteFile(ctx, n.name, kubeadmConfigPath, data, 0o600); err != nil {
		return err
	}
	if err := c.runKubeadm(ctx, n.name, []string{"kubeadm", "join", "--config=" + kubeadmConfigPath}); err != nil {
		return fmt.Errorf("kubeadm join of node %s failed: %w", n.name, err)
	}
	return nil
}

// bootstrapToken makes a kubeadm bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}.
func bootstrapToken() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:6]) + "." + string(b[6:]), nil
}
