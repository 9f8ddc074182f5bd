package dashboard

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// ServiceHosts are the names the dashboard is reached by inside the cluster: its own
// Service, and the kube-system one old tutorials use. The API server's proxy does not
// check them; curl --cacert and port-forwards do.
var ServiceHosts = []string{
	"kubernetes-dashboard",
	"kubernetes-dashboard.kubernetes-dashboard",
	"kubernetes-dashboard.kubernetes-dashboard.svc",
	"kubernetes-dashboard.kubernetes-dashboard.svc.cluster.local",
	"kubernetes-dashboard.kube-system",
	"kubernetes-dashboard.kube-system.svc",
	"kubernetes-dashboard.kube-system.svc.cluster.local",
	"localhost", "127.0.0.1", "::1",
}

// SelfSigned makes a serving certificate for hosts (names or IP addresses), signed by its
// own ECDSA P-256 key and valid for a year from now.
func SelfSigned(hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "kubernetes-dashboard", Organization: []string{"kubelab"}},
		// An hour back: a node clock a little behind still accepts it.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// ServingCertificate loads the certificate and key files when both are given (a mounted
// Secret), else makes a self-signed one for ServiceHosts and extra (the pod's IP).
func ServingCertificate(certFile, keyFile string, extra ...string) (tls.Certificate, error) {
	switch {
	case certFile != "" && keyFile != "":
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return c, fmt.Errorf("load --tls-cert/--tls-key: %w", err)
		}
		return c, nil
	case certFile != "" || keyFile != "":
		return tls.Certificate{}, fmt.Errorf("--tls-cert and --tls-key go together: give both or neither")
	}
	return SelfSigned(append(append([]string(nil), ServiceHosts...), extra...), time.Now())
}

// TLSConfig serves cert with TLS 1.2 or newer.
func TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
}
