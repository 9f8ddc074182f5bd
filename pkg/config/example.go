package config

import _ "embed"

// Example is the documented example cluster configuration: every key, with what it does.
//
//go:embed cluster.example.toml
var Example []byte
