// Package config holds kubelab's embedded defaults: the add-on manifests applied to new
// clusters (templates filled in per cluster).
package config

import "embed"

// Manifests are the add-on manifests, by file name.
//
//go:embed *.yaml
var Manifests embed.FS

// Example is the documented example cluster configuration.
//
//go:embed cluster.example.toml
var Example []byte
