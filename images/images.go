// Package images holds the recipes of the images kubelab builds (the base root
// filesystem's packages and files, CoreDNS's plugin set), embedded so that the kubelab
// binary can build a node image wherever it runs.
package images

import "embed"

// Files is the recipe tree: base/packages.txt, base/rootfs/..., coredns/main.go.in.
//
//go:embed base coredns
var Files embed.FS
