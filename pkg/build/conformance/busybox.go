package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
)

// The suite's busybox image is upstream busybox. Debian's busybox differs where a test
// notices: its ash drops environment variables whose names are not shell identifiers
// (a ConfigMap key such as data-1), which upstream's passes on to children. So build
// upstream's release from the pristine source tarball in Debian's archive, statically,
// with its default configuration.
const (
	busyboxVersion = "1.37.0"
	busyboxSHA256  = "3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4"
)

func (b *builder) buildBusybox(ctx context.Context) error {
	out := filepath.Join(b.opts.CacheDir, "bin", "busybox-"+busyboxVersion+"-"+gomod.HashOf(busyboxSHA256, "defconfig+static"))
	b.bins["busybox"] = filepath.Join(out, "busybox")
	if _, err := os.Stat(b.bins["busybox"]); err == nil {
		return nil
	}
	for _, tool := range []string{"gcc", "make", "bzip2"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (needed to build busybox): apt-get install gcc make bzip2 libc6-dev", tool)
		}
	}
	mirror := imagefs.Mirror()
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	name := "busybox_" + busyboxVersion + ".orig.tar.bz2"
	tarball := filepath.Join(b.opts.CacheDir, "src", name)
	if err := download(ctx, strings.TrimSuffix(mirror, "/")+"/pool/main/b/busybox/"+name, tarball, busyboxSHA256); err != nil {
		return err
	}
	src := filepath.Join(b.opts.CacheDir, "src", "busybox-"+busyboxVersion)
	_ = os.RemoveAll(src)
	steps := [][]string{
		{"tar", "-xjf", tarball, "-C", filepath.Dir(src)},
		{"make", "-C", src, "defconfig"},
		// A static binary: the image holds nothing else.
		{"sed", "-i", "s/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/", filepath.Join(src, ".config")},
		{"make", "-C", src, fmt.Sprintf("-j%d", runtime.NumCPU()), "busybox"},
	}
	for _, argv := range steps {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, gomod.TailLines(string(msg), 20))
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(src, "busybox"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.bins["busybox"]+".tmp", data, 0o755); err != nil {
		return err
	}
	return os.Rename(b.bins["busybox"]+".tmp", b.bins["busybox"])
}

// download fetches url into path unless a file with the expected SHA-256 is there.
func download(ctx context.Context, url, path, sha string) error {
	if sum, err := gomod.FileSHA256(path); err == nil && sum == sha {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", url, resp.Status)
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("download %s: %w", url, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if sum, err := gomod.FileSHA256(path + ".tmp"); err != nil || sum != sha {
		return fmt.Errorf("download %s: SHA-256 %s, want %s", url, sum, sha)
	}
	return os.Rename(path+".tmp", path)
}
