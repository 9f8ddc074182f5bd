package conformance

import (
	"embed"
	"sync"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/nodeimage"
)

//go:embed *.go
var goFiles embed.FS

// Source is this package's code: it decides the test images.
var Source = gomod.PackageSource{Dir: "pkg/build/conformance", Files: goFiles}

// Sources are the packages whose code makes the test images: the node image's and this
// one. Their source is part of every test image's inputs (and this package's is no input
// of the node image). A test checks that the list holds every package of pkg/build this
// one imports.
func Sources() []gomod.PackageSource {
	return append(nodeimage.Sources(), Source)
}

var builderHash = sync.OnceValue(func() string {
	h, err := gomod.HashSources(Sources()...)
	if err != nil {
		panic(err) // embedded at compile time
	}
	return h
})
