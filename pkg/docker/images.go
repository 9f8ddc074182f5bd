package docker

import (
	"context"
	"fmt"
	"io"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/kubelab/kubelab/pkg/labels"
)

// ImageLabel returns the value of an image's label, and whether the image exists.
func (c *Client) ImageLabel(ctx context.Context, ref, key string) (value string, exists bool, err error) {
	info, err := c.api.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	if info.Config != nil {
		return info.Config.Labels[key], true, nil
	}
	return "", true, nil
}

// ImageSize is the size of an image in bytes.
func (c *Client) ImageSize(ctx context.Context, ref string) (int64, error) {
	info, err := c.api.ImageInspect(ctx, ref)
	if err != nil {
		return 0, err
	}
	return info.Size, nil
}

// ImportImage makes an image of one layer from a root filesystem tar stream.
// changes are Dockerfile instructions (ENTRYPOINT, CMD, ENV, USER, LABEL, ...).
func (c *Client) ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error {
	rc, err := c.api.ImageImport(ctx, image.ImportSource{Source: rootfs, SourceName: "-"}, ref, image.ImportOptions{Changes: changes})
	if err != nil {
		return fmt.Errorf("import image %s: %w", ref, err)
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import image %s: %w", ref, err)
	}
	return nil
}

// SaveImages streams `docker save` of the images (a docker-archive tar).
func (c *Client) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	for _, ref := range refs {
		if _, err := c.api.ImageInspect(ctx, ref); cerrdefs.IsNotFound(err) {
			return nil, fmt.Errorf("image %s is not in the host's Docker: build or pull it there first", ref)
		}
	}
	rc, err := c.api.ImageSave(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("save images: %w", err)
	}
	return rc, nil
}

// RemoveImage deletes an image; a missing image is not an error.
func (c *Client) RemoveImage(ctx context.Context, ref string) error {
	_, err := c.api.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	return nil
}

// ImageID returns the ID of an image, or "" if it does not exist.
func (c *Client) ImageID(ctx context.Context, ref string) string {
	info, err := c.api.ImageInspect(ctx, ref)
	if err != nil {
		return ""
	}
	return info.ID
}

// DeriveImage makes ref a copy of base that has its own image ID (base's layers and
// config plus a label), unless ref already is such a copy of base as it is now. A plain
// tag shares base's ID, and containerd's CRI then keeps one record for all the names of
// an ID: when a pod pulls one name again, kubelet stops seeing the other names as
// present and tries to pull them too.
func (c *Client) DeriveImage(ctx context.Context, base, ref string) error {
	baseID := c.ImageID(ctx, base)
	if baseID == "" {
		return fmt.Errorf("derive %s: image %s does not exist", ref, base)
	}
	if got, _, err := c.ImageLabel(ctx, ref, labels.AliasOf); err == nil && got == baseID {
		if name, _, err := c.ImageLabel(ctx, ref, labels.Name); err == nil && name == ref {
			return nil
		}
	}
	// The name is in the config too: copies of one base under two names would otherwise
	// be the same build (the builder's cache hands back the first) and share an ID again.
	dockerfile := fmt.Sprintf("FROM %s\nLABEL %s=%q %s=%q\n", baseID, labels.AliasOf, baseID, labels.Name, ref)
	buildContext, err := fileTar("Dockerfile", []byte(dockerfile), 0o644)
	if err != nil {
		return err
	}
	// The classic builder: a LABEL adds no layer, and a local base needs no registry.
	resp, err := c.api.ImageBuild(ctx, buildContext, build.ImageBuildOptions{Tags: []string{ref}, Remove: true, ForceRemove: true, Version: build.BuilderV1})
	if err != nil {
		return fmt.Errorf("derive %s from %s: %w", ref, base, err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("derive %s from %s: %w", ref, base, err)
	}
	return nil
}
