package registry

import (
	"embed"

	"github.com/kubelab/kubelab/pkg/build/gomod"
)

//go:embed *.go
var goFiles embed.FS

// Source is this package's code, part of the inputs of the images the builders that use
// it make.
var Source = gomod.PackageSource{Dir: "pkg/build/registry", Files: goFiles}
