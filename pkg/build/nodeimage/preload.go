package nodeimage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// PreloadedSnapshots is where the node image keeps the unpacked layers of its preloaded
// images; overlaySnapshots, containerd's own place for them, links there.
const (
	PreloadedSnapshots = "/usr/share/kubelab/preloaded-snapshots"
	overlaySnapshots   = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
)

// buildNode starts a container of the base image, imports every component image into
// its containerd (unpacked, so pods start without unpacking), and commits the result.
func (b *builder) buildNode(ctx context.Context, recipe string) error {
	sec, err := b.dc.DetectSecurity(ctx, b.baseRef)
	if err != nil {
		return err
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "kubelab-build-" + hex.EncodeToString(suffix)
	const work = "/kubelab-build"
	if err := b.dc.RunBuildContainer(ctx, name, b.baseRef, sec, work); err != nil {
		return err
	}
	defer b.dc.DeleteNode(context.WithoutCancel(ctx), name)

	// kubeadm and kubectl: hard links to one binary (kubelet comes below). Hard, not
	// symbolic: `kubelab kubectl` copies /usr/local/bin/kubectl out of a node.
	pr, pw := io.Pipe()
	go func() {
		t := imagefs.NewTar(pw)
		bin := "usr/local/bin/" + KubernetesTools
		err := t.HostFile(bin, 0o755, b.bins[KubernetesTools])
		for _, n := range kubernetesPrograms[KubernetesTools] {
			if err == nil {
				err = t.Hardlink("usr/local/bin/"+n, bin, 0o755)
			}
		}
		if err == nil {
			err = t.Close()
		}
		pw.CloseWithError(err)
	}()
	if err := b.dc.Extract(ctx, name, "/", pr); err != nil {
		return err
	}

	// containerd's store is built on the volume (overlayfs cannot sit on the container's
	// own overlay root) and copied into the image afterwards.
	sock := "/run/kubelab-build/containerd.sock"
	run := func(stdin io.Reader, cmd ...string) error {
		return b.dc.Exec(ctx, name, cmd, docker.ExecOptions{Stdin: stdin})
	}
	if err := run(nil, "sh", "-c", "mkdir -p /run/kubelab-build && printf 'version = 3\\n' > "+work+"/config.toml && "+
		"(containerd --config "+work+"/config.toml --root "+work+"/containerd --state /run/kubelab-build --address "+sock+
		" >"+work+"/containerd.log 2>&1 &)"); err != nil {
		return err
	}
	ctr := []string{"ctr", "--address", sock, "--namespace", "k8s.io"}
	if err := waitFor(ctx, 30*time.Second, func() error { return run(nil, append(ctr, "version")...) }); err != nil {
		var log bytes.Buffer
		_ = b.dc.Exec(ctx, name, []string{"cat", work + "/containerd.log"}, docker.ExecOptions{Stdout: &log, Stderr: &log})
		return fmt.Errorf("containerd did not start in the build container: %v\n%s", err, gomod.TailLines(log.String(), 20))
	}
	saved, err := b.dc.SaveImages(ctx, b.componentRefs)
	if err != nil {
		return err
	}
	defer saved.Close()
	// --discard-unpacked-layers: keep only the unpacked snapshots, not a second copy of
	// every layer; a node never pushes images, so the blobs are dead weight.
	if err := run(saved, append(ctr, "images", "import", "--local", "--snapshotter", "overlayfs", "--discard-unpacked-layers", "-")...); err != nil {
		return err
	}
	// Images built under another name on the host get the name nodes know them by.
	for _, host := range b.componentRefs {
		if node, ok := b.nodeRefs[host]; ok {
			if err := run(nil, append(ctr, "images", "tag", "--force", host, node)...); err != nil {
				return err
			}
			if err := run(nil, append(ctr, "images", "rm", host)...); err != nil {
				return err
			}
		}
	}
	// Collect the discarded layers now: removing an image with --sync runs the garbage
	// collector before it returns.
	gcTag := "kubelab.local/gc:" + hex.EncodeToString(suffix)
	if err := run(nil, append(ctr, "images", "tag", b.rel.pauseImage(), gcTag)...); err != nil {
		return err
	}
	if err := run(nil, append(ctr, "images", "rm", "--sync", gcTag)...); err != nil {
		return err
	}
	// The unpacked layers move out of /var to PreloadedSnapshots, on the image's own
	// filesystem, and containerd finds each at its usual place through a symbolic link. A
	// node's /var is a volume that Docker fills from the image when the node is created:
	// with the layers in it, every node copied all of them (about 740 MB) before it could
	// boot; now it copies the links and containerd's database. The layers are only ever
	// overlayfs lower directories, which may sit on the container's own overlay root (an
	// upper directory may not: new snapshots are made on the volume, as before).
	if err := run(nil, "sh", "-c", "pkill -x containerd; while pgrep -x containerd >/dev/null; do sleep 0.1; done; "+
		"mkdir -p /var/lib/containerd && cp -a "+work+"/containerd/. /var/lib/containerd/ && rm -rf /run/kubelab-build && "+
		"mkdir -p "+PreloadedSnapshots+" && cd "+overlaySnapshots+" && "+
		`for id in *; do mv "$id" `+PreloadedSnapshots+`/ && ln -s `+PreloadedSnapshots+`/"$id" "$id"; done`); err != nil {
		return err
	}
	// kubelet is the multi-call binary the control-plane images hold: a hard link to the
	// copy in their unpacked layer stores it once in the node image, and the node runs
	// one file for both (one copy in the page cache).
	link := "f=$(find " + PreloadedSnapshots + " -path '*/fs/usr/local/bin/" + KubernetesDaemons + "' -type f); " +
		`[ "$(echo "$f" | wc -w)" = 1 ] || { echo "want one unpacked ` + KubernetesDaemons + `, found: $f" >&2; exit 1; }; ` +
		"ln -f $f /usr/local/bin/" + KubernetesDaemons + " && ln -f $f /usr/local/bin/kubelet"
	if err := run(nil, "sh", "-c", link); err != nil {
		return err
	}
	old := b.dc.ImageID(ctx, b.opts.Image)
	if err := b.dc.CommitContainer(ctx, name, b.opts.Image, []string{
		`ENTRYPOINT ["/usr/local/bin/kubelab-entrypoint"]`,
		`CMD ["/sbin/init"]`,
		"LABEL " + labels.Inputs + "=" + recipe,
		"LABEL " + labels.KubernetesVersion + "=" + b.rel.Kubernetes,
	}); err != nil {
		return err
	}
	if old != "" && old != b.dc.ImageID(ctx, b.opts.Image) {
		_ = b.dc.RemoveImage(ctx, old) // the previous build, unless a node still uses it
	}
	return nil
}

// waitFor retries check until it succeeds or timeout passes, backing off from 50 ms to
// 1.6 s, and returns check's last error.
func waitFor(ctx context.Context, timeout time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	backoff := wait.Backoff{Duration: 50 * time.Millisecond, Factor: 2, Cap: 1600 * time.Millisecond, Steps: math.MaxInt32}
	var last error
	// immediate: check once before the first delay; sliding: delays count from the end
	// of each check.
	_ = backoff.DelayFunc().Until(ctx, true, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	return last
}
