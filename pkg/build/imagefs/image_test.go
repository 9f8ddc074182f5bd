package imagefs

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// fakeDocker keeps imported images' labels and contents; other methods are not used.
type fakeDocker struct {
	docker.ImageBuilder
	labels  map[string]string
	imports map[string][]string // ref → changes
	files   map[string]map[string]entry
}

func (f *fakeDocker) ImageLabel(_ context.Context, ref, key string) (string, bool, error) {
	if key != labels.Inputs {
		return "", false, nil
	}
	v, ok := f.labels[ref]
	return v, ok, nil
}

func (f *fakeDocker) ImportImage(_ context.Context, rootfs io.Reader, ref string, changes []string) error {
	files := map[string]entry{}
	tr := tar.NewReader(rootfs)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		files[hdr.Name] = entry{typ: hdr.Typeflag, mode: hdr.Mode}
	}
	f.imports[ref], f.files[ref] = changes, files
	for _, c := range changes {
		if v, ok := strings.CutPrefix(c, "LABEL "+labels.Inputs+"="); ok {
			f.labels[ref] = v
		}
	}
	return nil
}

// An image is imported with its binaries and a minimal /etc, labelled with its inputs;
// importing it again does nothing until an input changes.
func TestImporter(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "server")
	if err := os.WriteFile(bin, []byte("ELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	dc := &fakeDocker{labels: map[string]string{}, imports: map[string][]string{}, files: map[string]map[string]entry{}}
	im := &Importer{Docker: dc, Builder: "code-1", Bins: map[string]string{"server": bin}, Roots: []string{"/rootfs/a"}}
	img := Image{Ref: "kubelab/server:1", Bins: map[string]string{"usr/local/bin/server": "server"},
		Setuid: map[string]bool{"usr/local/bin/server": true}, Changes: []string{`ENTRYPOINT ["/usr/local/bin/server"]`}}
	ctx := context.Background()
	if err := im.Import(ctx, img); err != nil {
		t.Fatal(err)
	}
	changes := dc.imports[img.Ref]
	if len(changes) != 3 || changes[0] != DefaultPath || changes[1] != img.Changes[0] {
		t.Errorf("changes %q", changes)
	}
	files := dc.files[img.Ref]
	if e := files["usr/local/bin/server"]; e.mode != 0o4755 {
		t.Errorf("setuid binary has mode %o", e.mode)
	}
	if _, ok := files["etc/passwd"]; !ok {
		t.Error("no /etc/passwd")
	}
	first := dc.labels[img.Ref]

	delete(dc.imports, img.Ref)
	if err := im.Import(ctx, img); err != nil {
		t.Fatal(err)
	}
	if _, again := dc.imports[img.Ref]; again {
		t.Error("an image with unchanged inputs was imported again")
	}
	im.Force = true
	if err := im.Import(ctx, img); err != nil {
		t.Fatal(err)
	}
	if _, again := dc.imports[img.Ref]; !again {
		t.Error("Force did not import again")
	}
	im.Force = false

	// Each of these changes the inputs: the image is imported again, with a new label.
	// (In this order: the root filesystems count once the image has Extra content.)
	seen := []string{first}
	for _, c := range []struct {
		name   string
		change func()
	}{
		{"builder", func() { im.Builder = "code-2" }},
		{"changes", func() { img.Changes = append(img.Changes, "EXPOSE 80") }},
		{"binary", func() { _ = os.WriteFile(bin, []byte("ELF, longer"), 0o755) }},
		{"extra", func() { img.Extra = func(t *Tar) error { return t.Dir("data", 0o755) } }},
		{"roots", func() { im.Roots = []string{"/rootfs/b"} }},
	} {
		name, change := c.name, c.change
		change()
		delete(dc.imports, img.Ref)
		if err := im.Import(ctx, img); err != nil {
			t.Fatal(err)
		}
		if _, again := dc.imports[img.Ref]; !again {
			t.Errorf("a change of %s did not import the image again", name)
		}
		if l := dc.labels[img.Ref]; slices.Contains(seen, l) {
			t.Errorf("a change of %s kept an old inputs label", name)
		} else {
			seen = append(seen, l)
		}
	}
}
