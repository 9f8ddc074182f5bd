package kubeadm

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func testConfig() Config {
	return Config{
		ClusterName: "lab", KubernetesVersion: "v1.37.2", NodeName: "lab-control-plane",
		NodeIP: "172.30.0.2", ControlPlaneEndpoint: "lab-control-plane:6443",
		CertSANs: []string{"lab-control-plane"}, PodSubnet: "10.244.0.0/16",
		ServiceSubnet: "10.96.0.0/16", DNSDomain: "cluster.local", Token: "abcdef.0123456789abcdef",
		Schedulable: true, SingleControlPlane: true,
	}
}

// extraArgs returns a component's extraArgs as a map.
func extraArgs(t *testing.T, cluster map[string]any, path ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := get(cluster, append(path, "extraArgs")...).([]any)
	for _, a := range list {
		m := a.(map[string]any)
		out[m["name"].(string)] = m["value"].(string)
	}
	return out
}

// docs splits a multi-document YAML file into maps keyed by kind.
func docs(t *testing.T, data []byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range strings.Split(string(data), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("document does not parse: %v\n%s", err, d)
		}
		kind, _ := m["kind"].(string)
		if kind == "" {
			t.Fatalf("document without kind:\n%s", d)
		}
		out[kind] = m
	}
	return out
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func TestInitConfig(t *testing.T) {
	data, err := InitConfig(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := docs(t, data)
	for _, kind := range []string{"InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"} {
		if d[kind] == nil {
			t.Fatalf("missing %s in:\n%s", kind, data)
		}
	}
	checks := []struct {
		kind string
		path []string
		want any
	}{
		{"InitConfiguration", []string{"apiVersion"}, "kubeadm.k8s.io/v1beta4"},
		{"InitConfiguration", []string{"nodeRegistration", "name"}, "lab-control-plane"},
		{"InitConfiguration", []string{"timeouts", "kubernetesAPICall"}, "3m0s"},
		{"InitConfiguration", []string{"nodeRegistration", "criSocket"}, "unix:///run/containerd/containerd.sock"},
		{"InitConfiguration", []string{"nodeRegistration", "imagePullPolicy"}, "Never"},
		{"InitConfiguration", []string{"localAPIEndpoint", "advertiseAddress"}, "172.30.0.2"},
		{"ClusterConfiguration", []string{"kubernetesVersion"}, "v1.37.2"},
		{"ClusterConfiguration", []string{"controlPlaneEndpoint"}, "lab-control-plane:6443"},
		{"ClusterConfiguration", []string{"networking", "podSubnet"}, "10.244.0.0/16"},
		{"ClusterConfiguration", []string{"networking", "serviceSubnet"}, "10.96.0.0/16"},
		{"ClusterConfiguration", []string{"networking", "dnsDomain"}, "cluster.local"},
		{"KubeletConfiguration", []string{"cgroupDriver"}, "cgroupfs"},
		{"KubeletConfiguration", []string{"failCgroupV1"}, false},
		{"KubeletConfiguration", []string{"failSwapOn"}, false},
		{"KubeletConfiguration", []string{"evictionHard", "nodefs.available"}, "0%"},
		{"KubeletConfiguration", []string{"imageGCHighThresholdPercent"}, float64(100)},
		{"KubeProxyConfiguration", []string{"mode"}, "iptables"},
		{"KubeProxyConfiguration", []string{"conntrack", "maxPerCore"}, float64(0)},
	}
	for _, c := range checks {
		if got := get(d[c.kind], c.path...); got != c.want {
			t.Errorf("%s %s = %#v, want %#v", c.kind, strings.Join(c.path, "."), got, c.want)
		}
	}
	// A schedulable (single-node) control plane has an explicit empty taint list.
	if taints, ok := get(d["InitConfiguration"], "nodeRegistration", "taints").([]any); !ok || len(taints) != 0 {
		t.Errorf("taints = %#v, want an empty list", get(d["InitConfiguration"], "nodeRegistration", "taints"))
	}
	if skip := fmt.Sprint(get(d["InitConfiguration"], "skipPhases")); skip != "[preflight kubelet-finalize]" {
		t.Errorf("skipPhases = %v", skip)
	}
	if got := get(d["KubeletConfiguration"], "crashLoopBackOff", "maxContainerRestartPeriod"); got != "1m0s" {
		t.Errorf("kubelet crashLoopBackOff.maxContainerRestartPeriod = %v", got)
	}
	if got := get(d["KubeletConfiguration"], "featureGates", "ReduceDefaultCrashLoopBackOffDecay"); got != true {
		t.Errorf("kubelet feature gate ReduceDefaultCrashLoopBackOffDecay = %v", got)
	}
	if got := get(d["ClusterConfiguration"], "encryptionAlgorithm"); got != "ECDSA-P256" {
		t.Errorf("encryptionAlgorithm = %v, want ECDSA-P256", got)
	}
	if got := extraArgs(t, d["ClusterConfiguration"], "etcd", "local")["unsafe-no-fsync"]; got != "true" {
		t.Errorf("etcd unsafe-no-fsync = %q", got)
	}
	for _, comp := range []string{"controllerManager", "scheduler"} {
		if got := extraArgs(t, d["ClusterConfiguration"], comp)["leader-elect"]; got != "false" {
			t.Errorf("%s leader-elect = %q with a single control plane", comp, got)
		}
	}
	cm := extraArgs(t, d["ClusterConfiguration"], "controllerManager")
	if cm["use-service-account-credentials"] != "false" || cm["kubeconfig"] != superAdminConf {
		t.Errorf("a single control plane's controller manager should run its controllers with %s: %v", superAdminConf, cm)
	}
	vols, _ := get(d["ClusterConfiguration"], "controllerManager", "extraVolumes").([]any)
	if len(vols) != 1 || get(vols[0].(map[string]any), "hostPath") != superAdminConf || get(vols[0].(map[string]any), "mountPath") != superAdminConf {
		t.Errorf("controller manager extraVolumes = %v, want %s mounted", vols, superAdminConf)
	}
	sans := get(d["ClusterConfiguration"], "apiServer", "certSANs").([]any)
	for _, want := range []string{"localhost", "127.0.0.1", "lab-control-plane"} {
		found := false
		for _, s := range sans {
			found = found || s == want
		}
		if !found {
			t.Errorf("certSANs %v lack %s", sans, want)
		}
	}
	tokens := get(d["InitConfiguration"], "bootstrapTokens").([]any)
	if get(tokens[0].(map[string]any), "token") != "abcdef.0123456789abcdef" {
		t.Errorf("bootstrap token not rendered: %v", tokens)
	}
}

func TestTaintsKeptForMultiNodeControlPlanes(t *testing.T) {
	c := testConfig()
	c.Schedulable = false
	data, err := InitConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, present := docs(t, data)["InitConfiguration"]["nodeRegistration"].(map[string]any)["taints"]; present {
		t.Errorf("taints must be left to kubeadm's default when the control plane is not schedulable:\n%s", data)
	}
}

// Several control planes elect leaders, as kubeadm's defaults do.
func TestLeaderElectionKeptForSeveralControlPlanes(t *testing.T) {
	c := testConfig()
	c.Schedulable, c.SingleControlPlane = false, false
	data, err := InitConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	cluster := docs(t, data)["ClusterConfiguration"]
	for _, comp := range []string{"controllerManager", "scheduler"} {
		if got, set := extraArgs(t, cluster, comp)["leader-elect"]; set {
			t.Errorf("%s leader-elect = %q with several control planes", comp, got)
		}
	}
	// Joining control planes have no super-admin.conf: kubeadm's per-controller
	// service accounts stay.
	for _, flag := range []string{"use-service-account-credentials", "kubeconfig"} {
		if got, set := extraArgs(t, cluster, "controllerManager")[flag]; set {
			t.Errorf("controller manager %s = %q with several control planes", flag, got)
		}
	}
	if vols := get(cluster, "controllerManager", "extraVolumes"); vols != nil {
		t.Errorf("controller manager extraVolumes = %v with several control planes", vols)
	}
}

func TestJoinConfig(t *testing.T) {
	c := testConfig()
	c.NodeName, c.NodeIP = "lab-worker", "172.30.0.3"
	worker, err := JoinConfig(c, false)
	if err != nil {
		t.Fatal(err)
	}
	d := docs(t, worker)["JoinConfiguration"]
	if get(d, "discovery", "bootstrapToken", "apiServerEndpoint") != "lab-control-plane:6443" ||
		get(d, "discovery", "bootstrapToken", "token") != "abcdef.0123456789abcdef" ||
		get(d, "nodeRegistration", "name") != "lab-worker" {
		t.Errorf("worker join config wrong:\n%s", worker)
	}
	if got := get(d, "timeouts", "kubernetesAPICall"); got != "3m0s" {
		t.Errorf("join timeouts.kubernetesAPICall = %v, want 3m0s", got)
	}
	if skip := fmt.Sprint(get(d, "skipPhases")); skip != "[preflight]" {
		t.Errorf("join skipPhases = %v", skip)
	}
	if get(d, "controlPlane") != nil {
		t.Errorf("a worker must not have a controlPlane section:\n%s", worker)
	}
	cp, err := JoinConfig(c, true)
	if err != nil {
		t.Fatal(err)
	}
	if get(docs(t, cp)["JoinConfiguration"], "controlPlane", "localAPIEndpoint", "advertiseAddress") != "172.30.0.3" {
		t.Errorf("control plane join config wrong:\n%s", cp)
	}
}

func TestConfigRejectsMissingFields(t *testing.T) {
	c := testConfig()
	c.Token = ""
	if _, err := InitConfig(c); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("want an error naming the token, got %v", err)
	}
}

func TestPatch(t *testing.T) {
	data, err := InitConfig(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	patched, err := Patch(data, []string{
		"kind: KubeletConfiguration\nmaxPods: 50\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n  - name: v\n    value: \"4\"\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	d := docs(t, patched)
	if get(d["KubeletConfiguration"], "maxPods") != float64(50) || get(d["KubeletConfiguration"], "cgroupDriver") != "cgroupfs" {
		t.Errorf("kubelet patch not merged:\n%s", patched)
	}
	args := get(d["ClusterConfiguration"], "apiServer", "extraArgs").([]any)
	if len(args) != 1 || get(args[0].(map[string]any), "name") != "v" {
		t.Errorf("apiServer patch: %v", args)
	}
	if get(d["ClusterConfiguration"], "kubernetesVersion") != "v1.37.2" || len(d) != 4 {
		t.Errorf("patch lost other fields or documents:\n%s", patched)
	}
	if _, err := Patch(data, []string{"maxPods: 50\n"}); err == nil || !strings.Contains(err.Error(), "no kind") {
		t.Errorf("patch without kind: %v", err)
	}
	if err := CheckPatches([]string{"kind: Deployment\n"}); err == nil || !strings.Contains(err.Error(), "kubeadm_config_patches[0]") {
		t.Errorf("CheckPatches accepted a Deployment: %v", err)
	}
	if err := CheckPatches([]string{"kind: KubeProxyConfiguration\nmode: iptables\n"}); err != nil {
		t.Error(err)
	}
}
