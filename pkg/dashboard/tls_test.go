package dashboard

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSelfSignedCertificate(t *testing.T) {
	cert, err := ServingCertificate("", "", "10.244.0.5")
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("key is %T, want ECDSA", leaf.PublicKey)
	}
	for _, name := range []string{"kubernetes-dashboard.kubernetes-dashboard.svc", "kubernetes-dashboard.kube-system.svc", "localhost"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("not valid for %s: %v", name, err)
		}
	}
	if !slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.ParseIP("10.244.0.5")) }) {
		t.Errorf("IPs %v lack the pod's", leaf.IPAddresses)
	}
	if leaf.NotAfter.Before(time.Now().AddDate(0, 11, 0)) || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		t.Errorf("valid until %v for %v", leaf.NotAfter, leaf.ExtKeyUsage)
	}

	// It serves: a client that trusts it reaches /healthz without signing in.
	e := newEnv(t, nil)
	srv := httptest.NewUnstartedServer(e.srv)
	srv.TLS = TLSConfig(cert)
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	res, err := c.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
}

func TestCertificateFromFiles(t *testing.T) {
	made, err := SelfSigned([]string{"dashboard.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyDER, _ := x509.MarshalPKCS8PrivateKey(made.PrivateKey)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: made.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	got, err := ServingCertificate(certFile, keyFile)
	if err != nil || !got.Leaf.Equal(made.Leaf) {
		t.Errorf("loaded %v, %v; want the written certificate", got.Leaf, err)
	}
	if _, err := ServingCertificate(certFile, ""); err == nil {
		t.Error("--tls-cert without --tls-key accepted")
	}
	if _, err := ServingCertificate(certFile, filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing key file accepted")
	}
}
