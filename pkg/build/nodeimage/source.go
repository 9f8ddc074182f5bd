package nodeimage

import (
	"embed"
	"sync"
)

// The builder's own source is part of every image's inputs: a change to how images are
// made rebuilds them, with no version number to remember to bump.
//
//go:embed build.go components.go gobuild.go rootfs.go
var builderSource embed.FS

var builderHash = sync.OnceValue(func() string {
	h, err := hashFS(builderSource)
	if err != nil {
		panic(err) // embedded at compile time
	}
	return h
})

// The conformance images are made by conformance.go: its source is part of their inputs
// (and not of the node image's).
//
//go:embed conformance.go
var conformanceSource embed.FS

var conformanceHash = sync.OnceValue(func() string {
	h, err := hashFS(conformanceSource)
	if err != nil {
		panic(err)
	}
	return h
})
