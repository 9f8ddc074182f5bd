package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// The processes of every node container (systemd, containerd, kubelet, and on a control
// plane the API server and the controller manager) run as the host's root, so all nodes of
// all clusters draw on one budget of inotify instances: the kernel's
// fs.inotify.max_user_instances, 128 on many distributions. A kubelet that cannot get one
// exits with "inotify_init: too many open files" and its node never gets Ready, minutes
// into a create. The figures are what nodes hold at rest, counted on v1.37.2 nodes
// (anon_inode:inotify descriptors): kubelet 7, kube-apiserver 6, systemd 5,
// kube-controller-manager 3, containerd 2, systemd-logind and dbus-daemon 1 each; the
// load balancer holds none.
const (
	inotifyPerControlPlane = 26
	inotifyPerWorker       = 16
	// inotifyHost is what the host's own root processes (systemd, udev, dockerd, ...) are
	// taken to hold.
	inotifyHost = 16
)

// inotifyMaxPath is the kernel's limit (a variable for tests).
var inotifyMaxPath = "/proc/sys/fs/inotify/max_user_instances"

// inotifyNeed is how many inotify instances nodes of these roles hold.
func inotifyNeed(roles []string) int {
	need := 0
	for _, r := range roles {
		switch r {
		case labels.RoleControlPlane:
			need += inotifyPerControlPlane
		case labels.RoleWorker:
			need += inotifyPerWorker
		}
	}
	return need
}

// checkInotify refuses to start nodes of the given roles when, with the kubelab nodes
// already running on the host, they would exhaust the kernel's inotify instances. It
// checks only when the daemon runs on this machine's kernel (not a remote daemon or a VM
// such as Docker Desktop's), whose limit this process can read.
func checkInotify(ctx context.Context, p docker.Provider, starting []string) error {
	kernel, err := p.KernelVersion(ctx)
	if err != nil || kernel == "" || kernel != localKernel() {
		return nil
	}
	data, err := os.ReadFile(inotifyMaxPath)
	if err != nil {
		return nil
	}
	max, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return nil
	}
	all, err := p.ListNodes(ctx, "")
	if err != nil {
		return err
	}
	var running []string
	for _, n := range all {
		if n.State == "running" && n.Role != labels.RoleLoadBalancer {
			running = append(running, n.Role)
		}
	}
	return inotifyVerdict(max, running, starting)
}

// inotifyVerdict is checkInotify's arithmetic: an error saying what to do when the nodes
// running (by role) and those starting need more instances than max.
func inotifyVerdict(max int, running, starting []string) error {
	need := inotifyHost + inotifyNeed(running) + inotifyNeed(starting)
	if need <= max {
		return nil
	}
	suggest := 512
	for suggest < need+inotifyHost {
		suggest *= 2
	}
	return fmt.Errorf("the kernel allows %d inotify instances per user (fs.inotify.max_user_instances) "+
		"and %d kubelab nodes running and %d more need about %d: their kubelets would fail with \"too many open files\". "+
		"Raise the limit with `sudo sysctl -w fs.inotify.max_user_instances=%d` (add it to /etc/sysctl.d/ to keep it), "+
		"or stop or delete clusters you are not using",
		max, len(running), len(starting), need, suggest)
}

// localKernel is the release of the kernel this process runs on.
func localKernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}
