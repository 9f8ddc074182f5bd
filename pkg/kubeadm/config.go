// Package kubeadm renders the configuration kubeadm init and join read inside a node:
// kubeadm's own v1beta4 types (kept here as small structs, since they only live in
// k8s.io/kubernetes), plus the published kubelet and kube-proxy configuration types.
package kubeadm

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	proxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

const apiVersion = "kubeadm.k8s.io/v1beta4"

// CRISocket is containerd's socket in every node.
const CRISocket = "unix:///run/containerd/containerd.sock"

// Config is what varies between clusters and nodes.
type Config struct {
	ClusterName          string
	KubernetesVersion    string
	NodeName             string
	NodeIP               string
	ControlPlaneEndpoint string // host:port every node and the admin kubeconfig use
	CertSANs             []string
	PodSubnet            string
	ServiceSubnet        string
	DNSDomain            string
	Token                string // bootstrap token for joining nodes: [a-z0-9]{6}.[a-z0-9]{16}
	// CertificateKey encrypts the control-plane certificates kubeadm init uploads for
	// joining control planes (64 hex digits); empty when there is one control plane.
	CertificateKey string
	// Schedulable keeps the control plane free of its NoSchedule taint (single-node clusters).
	Schedulable bool
	// SingleControlPlane: no other control plane will ever join, so the controller
	// manager and the scheduler need no leader election.
	SingleControlPlane bool
	// NodeLabels are set on the Node object when kubelet registers it.
	NodeLabels map[string]string
}

type arg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type taint struct {
	Key    string `json:"key"`
	Effect string `json:"effect"`
}

type nodeRegistration struct {
	Name      string `json:"name"`
	CRISocket string `json:"criSocket"`
	// nil: kubeadm's default (control planes get the NoSchedule taint); empty: no taints.
	Taints           *[]taint `json:"taints,omitempty"`
	KubeletExtraArgs []arg    `json:"kubeletExtraArgs,omitempty"`
	// Every image is preloaded in the node; there is no registry to pull from anyway.
	ImagePullPolicy string `json:"imagePullPolicy"`
}

type apiEndpoint struct {
	AdvertiseAddress string `json:"advertiseAddress"`
	BindPort         int    `json:"bindPort"`
}

type bootstrapToken struct {
	Token  string   `json:"token"`
	TTL    string   `json:"ttl"`
	Usages []string `json:"usages"`
	Groups []string `json:"groups"`
}

type initConfiguration struct {
	metav1.TypeMeta  `json:",inline"`
	BootstrapTokens  []bootstrapToken `json:"bootstrapTokens"`
	NodeRegistration nodeRegistration `json:"nodeRegistration"`
	LocalAPIEndpoint apiEndpoint      `json:"localAPIEndpoint"`
	CertificateKey   string           `json:"certificateKey,omitempty"`
	SkipPhases       []string         `json:"skipPhases,omitempty"`
	Timeouts         *timeouts        `json:"timeouts,omitempty"`
}

type timeouts struct {
	KubernetesAPICall metav1.Duration `json:"kubernetesAPICall"`
}

// apiCallTimeouts gives each of kubeadm's API calls 3 minutes rather than its default 1:
// on a loaded 2-core host, a new API server took over a minute to take kubeadm init's
// first writes, and init failed with "could not bootstrap the admin user in file
// admin.conf: unable to create ClusterRoleBinding: context deadline exceeded". kubeadm
// retries each call every half second until this timeout, so a quick host loses nothing.
func apiCallTimeouts() *timeouts {
	return &timeouts{KubernetesAPICall: metav1.Duration{Duration: 3 * time.Minute}}
}

type component struct {
	ExtraArgs    []arg         `json:"extraArgs,omitempty"`
	ExtraEnvs    []envVar      `json:"extraEnvs,omitempty"`
	ExtraVolumes []hostPathVol `json:"extraVolumes,omitempty"`
}

type hostPathVol struct {
	Name      string `json:"name"`
	HostPath  string `json:"hostPath"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	PathType  string `json:"pathType,omitempty"`
}

// superAdminConf is the kubeconfig kubeadm init writes on the first control plane with a
// credential of the system:masters group.
const superAdminConf = "/etc/kubernetes/super-admin.conf"

type apiServer struct {
	component `json:",inline"`
	CertSANs  []string `json:"certSANs,omitempty"`
}

type networking struct {
	PodSubnet     string `json:"podSubnet"`
	ServiceSubnet string `json:"serviceSubnet"`
	DNSDomain     string `json:"dnsDomain"`
}

type localEtcd struct {
	component `json:",inline"`
}

type etcd struct {
	Local localEtcd `json:"local"`
}

type clusterConfiguration struct {
	metav1.TypeMeta      `json:",inline"`
	ClusterName          string     `json:"clusterName"`
	KubernetesVersion    string     `json:"kubernetesVersion"`
	ControlPlaneEndpoint string     `json:"controlPlaneEndpoint"`
	Networking           networking `json:"networking"`
	Etcd                 etcd       `json:"etcd"`
	APIServer            apiServer  `json:"apiServer"`
	ControllerManager    component  `json:"controllerManager"`
	Scheduler            component  `json:"scheduler"`
	EncryptionAlgorithm  string     `json:"encryptionAlgorithm,omitempty"`
}

type discovery struct {
	BootstrapToken struct {
		APIServerEndpoint string `json:"apiServerEndpoint"`
		Token             string `json:"token"`
		// The node trusts the endpoint it was given by kubelab on a private Docker
		// network; there is no CA hash to pin before the first control plane exists.
		UnsafeSkipCAVerification bool `json:"unsafeSkipCAVerification"`
	} `json:"bootstrapToken"`
}

type joinControlPlane struct {
	LocalAPIEndpoint apiEndpoint `json:"localAPIEndpoint"`
	CertificateKey   string      `json:"certificateKey,omitempty"`
}

type joinConfiguration struct {
	metav1.TypeMeta  `json:",inline"`
	NodeRegistration nodeRegistration  `json:"nodeRegistration"`
	Discovery        discovery         `json:"discovery"`
	ControlPlane     *joinControlPlane `json:"controlPlane,omitempty"`
	SkipPhases       []string          `json:"skipPhases,omitempty"`
	Timeouts         *timeouts         `json:"timeouts,omitempty"`
}

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func (c Config) nodeRegistration(controlPlane bool) nodeRegistration {
	nr := nodeRegistration{
		Name:      c.NodeName,
		CRISocket: CRISocket,
		// The node's address on the kubelab network, not whatever interface kubelet guesses.
		KubeletExtraArgs: []arg{{Name: "node-ip", Value: c.NodeIP}},
		ImagePullPolicy:  "Never",
	}
	if controlPlane && c.Schedulable {
		nr.Taints = &[]taint{}
	}
	if len(c.NodeLabels) > 0 {
		var labels []string
		for k, v := range c.NodeLabels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		nr.KubeletExtraArgs = append(nr.KubeletExtraArgs, arg{Name: "node-labels", Value: strings.Join(labels, ",")})
	}
	return nr
}

// preflight checks look for kernel modules and configs a container does not have, and
// pull images, which are preloaded: skip them as a whole.
var skipPhases = []string{"preflight"}

// initSkipPhases are skipped by kubeadm init. kubelet-finalize only points kubelet.conf
// at a rotating client certificate and restarts kubelet to use it: the restart stalls
// the new node's pods for a second or two and resets kubelet's probe timers, and the
// embedded certificate kubelet keeps is valid for a year, longer than a lab cluster lives.
var initSkipPhases = append(append([]string(nil), skipPhases...), "kubelet-finalize")

// controllerManagerOwnCredentials make the controller manager of a single control plane
// run every controller with one credential of its own instead of one service account
// each. With a service account each (kubeadm's default), it builds its ~35 controllers
// one after the other and, for each, reads, creates and later requests a token for a
// service account before the next: on a new 2-core node that took about 5 s, during
// which no DaemonSet, Deployment or node pod range is acted on (controllers started
// 12.6 s after kubelet, 6.9 s with one credential). The credential is kubeadm's
// super-admin.conf (group system:masters): that adds no power, since the controller
// manager already holds the cluster CA's key and signs certificates with it. Joining
// control planes have no super-admin.conf, so several control planes keep the default.
var controllerManagerOwnCredentials = []arg{
	{Name: "use-service-account-credentials", Value: "false"},
	{Name: "kubeconfig", Value: superAdminConf},
}

// InitConfig renders the configuration of `kubeadm init` on the first control plane.
func InitConfig(c Config) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	init := initConfiguration{
		TypeMeta: typeMeta("InitConfiguration"),
		BootstrapTokens: []bootstrapToken{{
			Token: c.Token, TTL: "24h0m0s",
			Usages: []string{"signing", "authentication"},
			Groups: []string{"system:bootstrappers:kubeadm:default-node-token"},
		}},
		NodeRegistration: c.nodeRegistration(true),
		LocalAPIEndpoint: apiEndpoint{AdvertiseAddress: c.NodeIP, BindPort: 6443},
		CertificateKey:   c.CertificateKey,
		SkipPhases:       initSkipPhases,
		Timeouts:         apiCallTimeouts(),
	}
	controllerManager := []arg{
		// Serve metrics on all addresses so learners (and metrics tools) can scrape them.
		{Name: "bind-address", Value: "0.0.0.0"},
	}
	scheduler := []arg{{Name: "bind-address", Value: "0.0.0.0"}}
	var controllerManagerVolumes []hostPathVol
	if c.SingleControlPlane {
		// Alone, they need no lease: without one they start their controllers as soon as
		// the API server answers, instead of after a lease round-trip and its 2 s retries.
		noElection := arg{Name: "leader-elect", Value: "false"}
		controllerManager = append(controllerManager, noElection)
		scheduler = append(scheduler, noElection)
		controllerManager = append(controllerManager, controllerManagerOwnCredentials...)
		controllerManagerVolumes = append(controllerManagerVolumes, hostPathVol{
			Name: "super-admin", HostPath: superAdminConf, MountPath: superAdminConf, ReadOnly: true, PathType: "File",
		})
	}
	cluster := clusterConfiguration{
		TypeMeta:             typeMeta("ClusterConfiguration"),
		ClusterName:          c.ClusterName,
		KubernetesVersion:    c.KubernetesVersion,
		ControlPlaneEndpoint: c.ControlPlaneEndpoint,
		Networking:           networking{PodSubnet: c.PodSubnet, ServiceSubnet: c.ServiceSubnet, DNSDomain: c.DNSDomain},
		Etcd: etcd{Local: localEtcd{component{ExtraArgs: []arg{
			// A lab cluster is thrown away, never restored: etcd need not wait for the disk
			// on every write (the host's page cache still survives a node's restart). On a
			// busy laptop disk, fsyncs are what makes kubeadm init and every write slow.
			{Name: "unsafe-no-fsync", Value: "true"},
		}, ExtraEnvs: goRuntimeEnv()}}},
		// The host reaches the API server through a port published on 127.0.0.1.
		APIServer: apiServer{
			component: component{ExtraEnvs: goRuntimeEnv()},
			CertSANs:  append([]string{"localhost", "127.0.0.1"}, c.CertSANs...),
		},
		ControllerManager: component{ExtraArgs: controllerManager, ExtraEnvs: goRuntimeEnv(), ExtraVolumes: controllerManagerVolumes},
		Scheduler:         component{ExtraArgs: scheduler, ExtraEnvs: goRuntimeEnv()},
		// ECDSA keys instead of kubeadm's RSA-2048: kubeadm init generates a dozen keys one
		// after the other, 1.3 CPU-s with RSA and 0.2 with ECDSA here, and TLS handshakes
		// with the API server cost less CPU too. Every component and client accepts them.
		EncryptionAlgorithm: "ECDSA-P256",
	}
	return joinDocs(init, cluster, KubeletConfig(), KubeProxyConfig())
}

// JoinConfig renders the configuration of `kubeadm join` on a worker or extra control plane.
func JoinConfig(c Config, controlPlane bool) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	join := joinConfiguration{
		TypeMeta:         typeMeta("JoinConfiguration"),
		NodeRegistration: c.nodeRegistration(controlPlane),
		SkipPhases:       skipPhases,
		Timeouts:         apiCallTimeouts(),
	}
	join.Discovery.BootstrapToken.APIServerEndpoint = c.ControlPlaneEndpoint
	join.Discovery.BootstrapToken.Token = c.Token
	join.Discovery.BootstrapToken.UnsafeSkipCAVerification = true
	if controlPlane {
		join.ControlPlane = &joinControlPlane{
			LocalAPIEndpoint: apiEndpoint{AdvertiseAddress: c.NodeIP, BindPort: 6443},
			CertificateKey:   c.CertificateKey,
		}
	}
	return joinDocs(join)
}

func (c Config) validate() error {
	for name, v := range map[string]string{
		"cluster name": c.ClusterName, "kubernetes version": c.KubernetesVersion, "node name": c.NodeName,
		"node IP": c.NodeIP, "control plane endpoint": c.ControlPlaneEndpoint, "token": c.Token,
		"pod subnet": c.PodSubnet, "service subnet": c.ServiceSubnet, "DNS domain": c.DNSDomain,
	} {
		if v == "" {
			return fmt.Errorf("kubeadm config: %s is empty", name)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// KubeletConfig is the kubelet configuration every node shares.
func KubeletConfig() *kubeletv1beta1.KubeletConfiguration {
	return &kubeletv1beta1.KubeletConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration"},
		// containerd's runc runs with cgroupfs too (see the node's containerd config).
		CgroupDriver: "cgroupfs",
		// Many hosts (ours included) still run cgroup v1, which kubelet 1.35+ refuses by default.
		FailCgroupV1: ptr(false),
		// A laptop with swap on must still run a learning cluster.
		FailSwapOn: ptr(false),
		// The node's disk is the host's disk: never evict pods or images because the host's
		// disk is fuller than a real node's would be.
		EvictionHard: map[string]string{
			"nodefs.available": "0%", "nodefs.inodesFree": "0%",
			"imagefs.available": "0%", "imagefs.inodesFree": "0%",
		},
		ImageGCHighThresholdPercent: ptr[int32](100),
		ContainerRuntimeEndpoint:    CRISocket,
		// Restart a crashed container after 1 s, then 2, 4, ... up to 60 s (upstream: 10 s
		// up to 300 s). Add-ons that start before kube-proxy's first sync cannot reach the
		// API server's ClusterIP and exit once; a 10 s wait for their restart was a large
		// part of a create. A learner's crashing app also shows its next attempt sooner.
		FeatureGates:     map[string]bool{"ReduceDefaultCrashLoopBackOffDecay": true},
		CrashLoopBackOff: kubeletv1beta1.CrashLoopBackOffConfig{MaxContainerRestartPeriod: &metav1.Duration{Duration: time.Minute}},
	}
}

// KubeProxyConfig is kube-proxy's configuration.
func KubeProxyConfig() *proxyv1alpha1.KubeProxyConfiguration {
	return &proxyv1alpha1.KubeProxyConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "kubeproxy.config.k8s.io/v1alpha1", Kind: "KubeProxyConfiguration"},
		// iptables: IPVS needs kernel modules a container cannot load, and nftables mode
		// needs a newer kernel feature set than some hosts have.
		Mode: "iptables",
		IPTables: proxyv1alpha1.KubeProxyIPTablesConfiguration{
			// Apply Service changes within a second: learners watch them happen.
			MinSyncPeriod: metav1.Duration{Duration: 1e9},
		},
		Conntrack: proxyv1alpha1.KubeProxyConntrackConfiguration{
			// nf_conntrack_max is host-wide and read-only in a container: leave it alone.
			MaxPerCore: ptr[int32](0),
		},
	}
}

// joinDocs marshals each object as YAML and joins them as one multi-document file.
func joinDocs(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(data)
	}
	return buf.Bytes(), nil
}
