package imagefs

import (
	"embed"

	"github.com/kubelab/kubelab/pkg/build/gomod"
)

//go:embed *.go
var goFiles embed.FS

// Source is this package's code: it decides the files of every image.
var Source = gomod.PackageSource{Dir: "pkg/build/imagefs", Files: goFiles}
