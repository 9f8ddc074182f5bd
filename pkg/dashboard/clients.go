package dashboard

import (
	"crypto/sha256"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Clients are the API clients of one signed-in user. Every call they make carries that
// user's bearer token and nothing else, so the API server's RBAC decides what they see.
type Clients struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface // YAML of any object, delete, create from YAML, metrics
}

// ClientFactory builds the clients for a bearer token. Tests pass fake clients here.
type ClientFactory func(token string) (*Clients, error)

// UserConfig is base (the API server's address and CA, as in-cluster configuration gives
// them) with the user's token as its only credential: no client certificate, no token
// file, no impersonation of base is kept.
func UserConfig(base *rest.Config, token string) *rest.Config {
	return &rest.Config{
		Host:    base.Host,
		APIPath: base.APIPath,
		TLSClientConfig: rest.TLSClientConfig{
			Insecure:   base.Insecure,
			ServerName: base.ServerName,
			CAFile:     base.CAFile,
			CAData:     base.CAData,
		},
		BearerToken: token,
		UserAgent:   "kubelab-dashboard",
		// A page makes a handful of calls at once; the default 5/s would queue them.
		QPS:   50,
		Burst: 100,
		// Deprecation warnings are the API server talking to a developer, not the learner.
		WarningHandler: rest.NoWarnings{},
	}
}

// TokenClients is the ClientFactory of a running dashboard: clients for base's API server
// that authenticate with the user's token only.
func TokenClients(base *rest.Config) ClientFactory {
	return func(token string) (*Clients, error) {
		cfg := UserConfig(base, token)
		kube, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, err
		}
		dyn, err := dynamic.NewForConfig(cfg)
		if err != nil {
			return nil, err
		}
		return &Clients{Kube: kube, Dynamic: dyn}, nil
	}
}

// clientCache keeps the clients of the most recently seen tokens, keyed by the tokens'
// SHA-256 so no map key is a credential, and forgets the least recently used beyond max.
type clientCache struct {
	factory ClientFactory
	max     int

	mu      sync.Mutex
	entries map[[32]byte]*cached
}

type cached struct {
	clients *Clients
	user    string // who the API server says the token is, once known
	used    time.Time
}

func newClientCache(f ClientFactory, max int) *clientCache {
	return &clientCache{factory: f, max: max, entries: map[[32]byte]*cached{}}
}

// get returns the clients of token, building them on first use, and the user's name if known.
func (c *clientCache) get(token string) (*Clients, string, error) {
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		e.used = time.Now()
		return e.clients, e.user, nil
	}
	cl, err := c.factory(token)
	if err != nil {
		return nil, "", err
	}
	if len(c.entries) >= c.max {
		var oldest [32]byte
		var when time.Time
		for k, e := range c.entries {
			if when.IsZero() || e.used.Before(when) {
				oldest, when = k, e.used
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[key] = &cached{clients: cl, used: time.Now()}
	return cl, "", nil
}

// setUser remembers who token belongs to, for the page header.
func (c *clientCache) setUser(token, user string) {
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		e.user = user
	}
}

// forget drops token's clients (sign-out, or the API server refused the token).
func (c *clientCache) forget(token string) {
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
