package nodeimage

import (
	"embed"
	"sync"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
	"github.com/kubelab/kubelab/pkg/build/registry"
)

//go:embed *.go
var goFiles embed.FS

// Source is this package's code: it decides the node image and the images it preloads.
var Source = gomod.PackageSource{Dir: "pkg/build/nodeimage", Files: goFiles}

// Sources are the packages whose code makes the node image: their source is part of
// every image's inputs, so a change to how images are made rebuilds them, with no
// version number to remember to bump. A test checks that the list holds every package
// of pkg/build this one imports.
func Sources() []gomod.PackageSource {
	return []gomod.PackageSource{gomod.Source, imagefs.Source, registry.Source, Source}
}

var builderHash = sync.OnceValue(func() string {
	h, err := gomod.HashSources(Sources()...)
	if err != nil {
		panic(err) // embedded at compile time
	}
	return h
})
