package dashboard

import (
	"fmt"
	"testing"

	"k8s.io/client-go/rest"
)

func TestUserConfigCarriesOnlyTheUsersToken(t *testing.T) {
	pod := &rest.Config{Host: "https://10.96.0.1:443", BearerToken: "pod-token", BearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
		TLSClientConfig: rest.TLSClientConfig{CAFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", CertData: []byte("cert"), KeyData: []byte("key")},
		Impersonate:     rest.ImpersonationConfig{UserName: "admin"}, Username: "u", Password: "p"}
	c := UserConfig(pod, "user-token")
	if c.Host != pod.Host || c.CAFile != pod.CAFile {
		t.Errorf("host %s CA %s: want the API server's", c.Host, c.CAFile)
	}
	if c.BearerToken != "user-token" || c.BearerTokenFile != "" || c.CertData != nil || c.KeyData != nil ||
		c.Impersonate.UserName != "" || c.Username != "" || c.Password != "" || c.ExecProvider != nil || c.AuthProvider != nil {
		t.Errorf("the user's config carries more than the user's token: %+v", c)
	}
	noCAFile := *pod
	noCAFile.CAFile = ""
	if _, err := TokenClients(&noCAFile)("user-token"); err != nil {
		t.Errorf("TokenClients: %v", err)
	}
}

func TestClientCacheIsBounded(t *testing.T) {
	built := 0
	c := newClientCache(func(string) (*Clients, error) { built++; return &Clients{}, nil }, 3)
	for i := range 5 {
		c.get(fmt.Sprint("token-", i))
	}
	if len(c.entries) != 3 || built != 5 {
		t.Fatalf("%d cached, %d built; want 3 and 5", len(c.entries), built)
	}
	c.get("token-4") // cached
	c.get("token-0") // evicted before: built again
	if built != 6 {
		t.Errorf("built %d times, want 6", built)
	}
	c.setUser("token-4", "alice")
	if _, name, _ := c.get("token-4"); name != "alice" {
		t.Errorf("user %q", name)
	}
	c.forget("token-4")
	if _, name, _ := c.get("token-4"); name != "" || built != 7 {
		t.Errorf("a forgotten token kept its clients")
	}
}
