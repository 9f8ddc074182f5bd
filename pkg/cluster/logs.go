package cluster

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// nodeLogCommands are the files `kubelab export logs` writes for each running node, and
// the command in the node whose output each holds. There is no crictl in a node: ctr
// lists the same containers (k8s.io is the namespace of kubelet's containers).
var nodeLogCommands = []struct {
	file string
	cmd  []string
}{
	{"journal.log", []string{"journalctl", "--no-pager", "--boot=all"}},
	{"kubelet.log", []string{"journalctl", "--no-pager", "--boot=all", "-u", "kubelet"}},
	{"containerd.log", []string{"journalctl", "--no-pager", "--boot=all", "-u", "containerd"}},
	{"containers.txt", []string{"sh", "-c", "ctr -n k8s.io containers list; echo; ctr -n k8s.io tasks list"}},
	{"images.txt", []string{"ctr", "-n", "k8s.io", "images", "list", "-q"}},
	{"kubeadm.yaml", []string{"cat", kubeadmConfigPath}},
	{"kubeadm.log", []string{"cat", kubeadmLogPath}},
}

// ExportLogs writes what a bug report about a cluster needs into dir, one directory per
// node: the node's `docker inspect`, and for running nodes the systemd journal, kubelet's
// and containerd's logs, the containers and images in containerd, kubeadm's configuration
// and output (kept from create) and every pod's logs (/var/log/pods: static pods
// included); and for the cluster its status, pods and events when the API answers. It
// goes on past what fails, and returns what failed.
func ExportLogs(ctx context.Context, p docker.Provider, name, dir string) error {
	nodes, err := Nodes(ctx, p, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, n := range nodes {
		errs = append(errs, exportNode(ctx, p, n, filepath.Join(dir, n.Name)))
	}
	if s, err := GetStatus(ctx, p, name, ""); err == nil {
		errs = append(errs, writeJSONFile(filepath.Join(dir, "status.json"), s))
	}
	if containerState(nodes) != StateStopped {
		if cs, err := Client(ctx, p, name); err == nil {
			errs = append(errs, exportCluster(ctx, cs, dir))
		}
	}
	return errors.Join(errs...)
}

func exportNode(ctx context.Context, p docker.Provider, n docker.Node, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	if data, err := p.InspectNode(ctx, n.Name); err == nil {
		errs = append(errs, os.WriteFile(filepath.Join(dir, "docker-inspect.json"), data, 0o644))
	} else {
		errs = append(errs, err)
	}
	if n.State != "running" || n.Role == labels.RoleLoadBalancer {
		return errors.Join(errs...)
	}
	for _, c := range nodeLogCommands {
		f, err := os.Create(filepath.Join(dir, c.file))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		// A failing command's error output is worth keeping too.
		_ = p.Exec(cctx, n.Name, c.cmd, docker.ExecOptions{Stdout: f, Stderr: f})
		cancel()
		errs = append(errs, f.Close())
	}
	rc, err := p.CopyFromNode(ctx, n.Name, "/var/log/pods")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	defer rc.Close()
	return errors.Join(append(errs, untar(rc, dir))...)
}

// untar writes the regular files and directories of a tar stream under dir; symbolic
// links (containerd's log files are real files) and paths leaving dir are skipped.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		path := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}

// exportCluster writes the cluster's pods and events, oldest event first.
func exportCluster(ctx context.Context, cs kubernetes.Interface, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var errs []error
	if pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
		var b strings.Builder
		for _, p := range pods.Items {
			restarts := int32(0)
			for _, c := range p.Status.ContainerStatuses {
				restarts += c.RestartCount
			}
			fmt.Fprintf(&b, "%s/%s\t%s\tnode=%s\tip=%s\trestarts=%d\n", p.Namespace, p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.PodIP, restarts)
		}
		errs = append(errs, os.WriteFile(filepath.Join(dir, "pods.txt"), []byte(b.String()), 0o644))
	} else {
		errs = append(errs, err)
	}
	events, err := cs.CoreV1().Events("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	items := events.Items
	sort.SliceStable(items, func(i, j int) bool { return items[i].LastTimestamp.Before(&items[j].LastTimestamp) })
	var b strings.Builder
	for _, e := range items {
		fmt.Fprintf(&b, "%s\t%s\t%s/%s\t%s\t%s: %s\n", e.LastTimestamp.Format(time.RFC3339), e.Type,
			e.InvolvedObject.Namespace, strings.ToLower(e.InvolvedObject.Kind)+"/"+e.InvolvedObject.Name, e.Source.Component, e.Reason, e.Message)
	}
	return errors.Join(append(errs, os.WriteFile(filepath.Join(dir, "events.txt"), []byte(b.String()), 0o644))...)
}

func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
