package docker

import (
	"context"
	"io"
)

// ImageBuilder is what the image builders need of the daemon: making images from root
// filesystems or from a build container, reading them back, and cleaning up. The cluster
// side uses Provider; the builders use this, so each can be faked on its own.
type ImageBuilder interface {
	Ping(ctx context.Context) error
	// ImageLabel returns the value of an image's label and whether the image exists.
	ImageLabel(ctx context.Context, ref, key string) (value string, exists bool, err error)
	// ImageID is an image's ID, or "" when it does not exist.
	ImageID(ctx context.Context, ref string) string
	ImageSize(ctx context.Context, ref string) (int64, error)
	// ImportImage makes an image from a root filesystem tar (docker import).
	ImportImage(ctx context.Context, rootfs io.Reader, ref string, changes []string) error
	// DeriveImage makes ref a copy of base with an image ID of its own.
	DeriveImage(ctx context.Context, base, ref string) error
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
	RemoveImage(ctx context.Context, ref string) error
	// DetectSecurity finds out whether the daemon runs privileged containers.
	DetectSecurity(ctx context.Context, image string) (Security, error)
	// RunBuildContainer starts a container of img that stays up for Exec and Extract.
	RunBuildContainer(ctx context.Context, name, img string, sec Security, volumeTarget string) error
	Exec(ctx context.Context, node string, cmd []string, opts ExecOptions) error
	// Extract unpacks a tar stream into a container's directory.
	Extract(ctx context.Context, name, dst string, content io.Reader) error
	// CommitContainer makes an image of a container's file system.
	CommitContainer(ctx context.Context, name, ref string, changes []string) error
	// DeleteNode removes a container and its volume; a missing one is not an error.
	DeleteNode(ctx context.Context, name string) error
}

var _ ImageBuilder = (*Client)(nil)
