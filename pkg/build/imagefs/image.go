package imagefs

import (
	"context"
	"io"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/labels"
)

// DefaultPath is the PATH of every image made of an Image.
const DefaultPath = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Image is an image made of built binaries and Debian files, with no base image.
type Image struct {
	Ref      string
	NodeRef  string            // its name inside nodes, when not Ref
	HostOnly bool              // runs on the host's Docker, not in nodes: not preloaded
	OwnEtc   bool              // Extra brings /etc/passwd and friends
	Debian   string            // the Debian package whose version the tag names
	Bins     map[string]string // path in image → binary name
	Changes  []string
	Extra    func(*Tar) error
	ExtraKey string          // identifies what Extra writes beyond the root filesystems' paths
	Setuid   map[string]bool // Bins installed setuid root
}

// Importer imports Images, each unless an image of the same inputs is there already.
type Importer struct {
	Docker docker.ImageBuilder
	Force  bool // import even when the inputs did not change
	// Builder identifies the code that makes the images (see gomod.HashSources): a change
	// to how images are made rebuilds them.
	Builder string
	Bins    map[string]string // binary name → built file
	Roots   []string          // the root filesystems Extra copies Debian files from
}

// Import imports one image made of built binaries and Debian files, unless an image of
// the same inputs is there already.
func (im *Importer) Import(ctx context.Context, img Image) error {
	var binHashes []string
	for dst, name := range img.Bins {
		h, err := gomod.BinaryHash(im.Bins[name])
		if err != nil {
			return err
		}
		binHashes = append(binHashes, dst+"="+h)
	}
	extra := img.ExtraKey
	if img.Extra != nil {
		// Debian files come from these root filesystems, whose paths name their contents.
		for _, r := range im.Roots {
			extra += r
		}
	}
	hash := gomod.HashOf(im.Builder, img.Ref, img.Changes, binHashes, extra)
	changes := append([]string{DefaultPath}, img.Changes...)
	return Import(ctx, im.Docker, img.Ref, hash, im.Force, changes, func(t *Tar) error {
		if !img.OwnEtc {
			if err := MinimalEtc(t); err != nil {
				return err
			}
		}
		for dst, name := range img.Bins {
			mode := int64(0o755)
			if img.Setuid[dst] {
				mode = 0o4755
			}
			if err := t.HostFile(dst, mode, im.Bins[name]); err != nil {
				return err
			}
		}
		if img.Extra != nil {
			return img.Extra(t)
		}
		return nil
	})
}

// Import imports a root filesystem written by fill as ref, labelled with its inputs
// hash, unless ref already carries the same hash (and not force).
func Import(ctx context.Context, dc docker.ImageBuilder, ref, hash string, force bool, changes []string, fill func(*Tar) error) error {
	if label, exists, err := dc.ImageLabel(ctx, ref, labels.Inputs); err != nil {
		return err
	} else if exists && label == hash && !force {
		return nil
	}
	pr, pw := io.Pipe()
	go func() {
		t := NewTar(pw)
		err := fill(t)
		if err == nil {
			err = t.Close()
		}
		pw.CloseWithError(err)
	}()
	changes = append(changes, "LABEL "+labels.Inputs+"="+hash)
	err := dc.ImportImage(ctx, pr, ref, changes)
	pr.Close()
	return err
}
