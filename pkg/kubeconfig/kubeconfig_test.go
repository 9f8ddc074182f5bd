package kubeconfig

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

const adminConf = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://lab-control-plane:6443
  name: lab
contexts:
- context:
    cluster: lab
    user: kubernetes-admin
  name: kubernetes-admin@lab
current-context: kubernetes-admin@lab
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
`

const otherConf = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://prod.example:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: alice
  name: prod
current-context: prod
users:
- name: alice
  user:
    token: secret
`

func TestForCluster(t *testing.T) {
	kc, err := ForCluster([]byte(adminConf), "lab", "https://127.0.0.1:34567")
	if err != nil {
		t.Fatal(err)
	}
	if kc.CurrentContext != "kubelab-lab" {
		t.Errorf("current context %q", kc.CurrentContext)
	}
	if got := kc.Clusters["kubelab-lab"].Server; got != "https://127.0.0.1:34567" {
		t.Errorf("server %q", got)
	}
	if string(kc.Clusters["kubelab-lab"].CertificateAuthorityData) != "CA\n" {
		t.Errorf("CA data lost")
	}
	if string(kc.AuthInfos["kubelab-lab"].ClientKeyData) != "KEY\n" {
		t.Errorf("client key lost")
	}
}

func TestMergeKeepsOtherEntriesAndRemoveUndoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(otherConf), 0o644); err != nil {
		t.Fatal(err)
	}
	kc, err := ForCluster([]byte(adminConf), "lab", "https://127.0.0.1:34567")
	if err != nil {
		t.Fatal(err)
	}
	if err := Merge(path, "kubelab-lab", kc); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "kubelab-lab" || cfg.Contexts["prod"] == nil || cfg.AuthInfos["alice"].Token != "secret" {
		t.Fatalf("merge lost or misplaced entries: %+v", cfg)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	got, err := Get(path, "kubelab-lab")
	if err != nil || got.Clusters["kubelab-lab"].Server != "https://127.0.0.1:34567" {
		t.Fatalf("Get: %v %+v", err, got)
	}

	if err := Remove(path, "kubelab-lab"); err != nil {
		t.Fatal(err)
	}
	cfg, err = clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Contexts["kubelab-lab"] != nil || cfg.Clusters["kubelab-lab"] != nil || cfg.AuthInfos["kubelab-lab"] != nil {
		t.Errorf("entries left after Remove: %+v", cfg)
	}
	if cfg.CurrentContext != "" {
		t.Errorf("current context %q still points at the removed cluster", cfg.CurrentContext)
	}
	if cfg.Contexts["prod"] == nil || cfg.Clusters["prod"].Server != "https://prod.example:6443" || cfg.AuthInfos["alice"].Token != "secret" {
		t.Errorf("Remove touched other entries: %+v", cfg)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left behind")
	}
}

func TestMergeCreatesMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "config")
	kc, _ := ForCluster([]byte(adminConf), "lab", "https://127.0.0.1:1")
	if err := Merge(path, "kubelab-lab", kc); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat: %v %v", err, st)
	}
}

func TestInvalidFileIsLeftAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	garbage := []byte("this: is: not: a kubeconfig: [")
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	kc, _ := ForCluster([]byte(adminConf), "lab", "https://127.0.0.1:1")
	err := Merge(path, "kubelab-lab", kc)
	if err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("want a 'not valid' error, got %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != string(garbage) {
		t.Errorf("the invalid file was changed")
	}
}

func TestConcurrentMergesAllLand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	var wg sync.WaitGroup
	names := []string{"a", "b", "c", "d", "e", "f"}
	errs := make(chan error, len(names))
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kc, _ := ForCluster([]byte(adminConf), n, "https://127.0.0.1:1")
			errs <- Merge(path, ContextName(n), kc)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if cfg.Contexts[ContextName(n)] == nil {
			t.Errorf("context %s lost: the merges were not serialised", ContextName(n))
		}
	}
}

func TestPath(t *testing.T) {
	t.Setenv("KUBECONFIG", "/tmp/a"+string(os.PathListSeparator)+"/tmp/b")
	if got := Path(""); got != "/tmp/a" {
		t.Errorf("Path = %q, want the first $KUBECONFIG entry", got)
	}
	if got := Path("/x"); got != "/x" {
		t.Errorf("explicit path ignored: %q", got)
	}
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", "/home/u")
	if got := Path(""); got != "/home/u/.kube/config" {
		t.Errorf("Path = %q", got)
	}
}
