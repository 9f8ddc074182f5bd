// Package kubeconfig merges a cluster's credentials into a user's kubeconfig file and
// removes them again, leaving every other entry untouched. Writes are serialised by a
// lock file and atomic (write to a temporary file, then rename), and files are 0600.
package kubeconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"k8s.io/client-go/tools/clientcmd"
	api "k8s.io/client-go/tools/clientcmd/api"
)

// ContextName is the context (and cluster and user entry) name of a kubelab cluster.
func ContextName(cluster string) string { return "kubelab-" + cluster }

// Path is the file kubelab writes: the explicit one, else the first entry of $KUBECONFIG,
// else ~/.kube/config.
func Path(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if env := os.Getenv("KUBECONFIG"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				return p
			}
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".kube", "config")
}

// ForCluster turns kubeadm's admin.conf into a kubeconfig for the host: entries renamed
// to kubelab-<cluster> and the API server reached at server (https://127.0.0.1:<port>).
func ForCluster(adminConf []byte, cluster, server string) (*api.Config, error) {
	in, err := clientcmd.Load(adminConf)
	if err != nil {
		return nil, fmt.Errorf("parse admin kubeconfig: %w", err)
	}
	cur, ok := in.Contexts[in.CurrentContext]
	if !ok {
		return nil, errors.New("admin kubeconfig has no current context")
	}
	c, u := in.Clusters[cur.Cluster], in.AuthInfos[cur.AuthInfo]
	if c == nil || u == nil {
		return nil, errors.New("admin kubeconfig is incomplete")
	}
	name := ContextName(cluster)
	c = c.DeepCopy()
	c.Server = server
	out := api.NewConfig()
	out.Clusters[name] = c
	out.AuthInfos[name] = u.DeepCopy()
	out.Contexts[name] = &api.Context{Cluster: name, AuthInfo: name}
	out.CurrentContext = name
	return out, nil
}

// Merge writes the cluster, user and context of kc named name into the file at path,
// replacing entries of the same name and setting the context current.
func Merge(path, name string, kc *api.Config) error {
	return modify(path, func(cfg *api.Config) {
		cfg.Clusters[name] = kc.Clusters[name]
		cfg.AuthInfos[name] = kc.AuthInfos[name]
		cfg.Contexts[name] = kc.Contexts[name]
		cfg.CurrentContext = name
	})
}

// Remove deletes the entries named name; the current context is cleared if it was name.
// A missing file or entry is not an error.
func Remove(path, name string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return modify(path, func(cfg *api.Config) {
		delete(cfg.Clusters, name)
		delete(cfg.AuthInfos, name)
		delete(cfg.Contexts, name)
		if cfg.CurrentContext == name {
			cfg.CurrentContext = ""
		}
	})
}

// Get returns the entries named name from the file at path, as a kubeconfig of their own.
func Get(path, name string) (*api.Config, error) {
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	ctx, ok := cfg.Contexts[name]
	if !ok {
		return nil, fmt.Errorf("context %s is not in %s", name, path)
	}
	out := api.NewConfig()
	out.Clusters[name] = cfg.Clusters[ctx.Cluster]
	out.AuthInfos[name] = cfg.AuthInfos[ctx.AuthInfo]
	out.Contexts[name] = &api.Context{Cluster: name, AuthInfo: name}
	out.CurrentContext = name
	return out, nil
}

func modify(path string, change func(*api.Config)) error {
	// Follow a symlinked kubeconfig so that the rename replaces the real file.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	lock := flock.New(path + ".lock")
	if err := lockWithTimeout(lock, 30*time.Second); err != nil {
		return fmt.Errorf("kubeconfig %s is locked by another program (%s.lock): %w", path, path, err)
	}
	defer func() {
		_ = lock.Unlock()
		_ = os.Remove(path + ".lock")
	}()

	cfg := api.NewConfig()
	if data, err := os.ReadFile(path); err == nil {
		if len(strings.TrimSpace(string(data))) > 0 {
			if cfg, err = clientcmd.Load(data); err != nil {
				return fmt.Errorf("kubeconfig %s is not valid, so kubelab leaves it alone: %w", path, err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	change(cfg)
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return writeAtomic(path, data)
}

func lockWithTimeout(l *flock.Flock, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := 10 * time.Millisecond
	for {
		ok, err := l.TryLock()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the lock")
		}
		time.Sleep(delay)
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}

// writeAtomic replaces path with data: readers see the old file or the new one, never
// half of one.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kubeconfig-*")
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}

// Serialize writes a kubeconfig as YAML.
func Serialize(kc *api.Config) ([]byte, error) { return clientcmd.Write(*kc) }
