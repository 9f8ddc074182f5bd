package config

import (
	"fmt"

	"github.com/kubelab/kubelab/pkg/labels"
)

// Flags are the cluster settings `kubelab create cluster` takes on its command line.
type Flags struct {
	Name          Flag[string]
	Image         Flag[string]
	APIServerPort Flag[int]
	// ControlPlanes and Workers, when either is given, replace the nodes with that many
	// plain nodes of each role (the other one counts with its default).
	ControlPlanes Flag[int]
	Workers       Flag[int]
	// Registry connects the cluster to the local registry (the file's port, or the default).
	Registry Flag[bool]
}

// Flag is one command-line setting: its value, which is the flag's default unless the
// user gave it, and whether the user did.
type Flag[T comparable] struct {
	Value T
	Set   bool
}

// Apply puts the flags onto c, a loaded configuration file or Default(). A flag the user
// gave wins over the file; one not given only fills in what the file leaves empty (a file
// without an image gets the default node image).
func (f Flags) Apply(c *Cluster) error {
	if f.ControlPlanes.Value < 1 || f.Workers.Value < 0 {
		return fmt.Errorf("--control-planes must be at least 1 and --workers at least 0")
	}
	f.Name.apply(&c.Name)
	f.Image.apply(&c.Image)
	f.APIServerPort.apply(&c.Networking.APIServerPort)
	if f.Registry.Set && f.Registry.Value && c.Registry == nil {
		c.Registry = &Registry{HostPort: DefaultRegistryPort}
	}
	if f.ControlPlanes.Set || f.Workers.Set {
		c.Nodes = nil
		for range f.ControlPlanes.Value {
			c.Nodes = append(c.Nodes, Node{Role: labels.RoleControlPlane})
		}
		for range f.Workers.Value {
			c.Nodes = append(c.Nodes, Node{Role: labels.RoleWorker})
		}
	}
	return nil
}

// apply sets *dst to the flag's value if the user gave the flag or *dst is empty.
func (f Flag[T]) apply(dst *T) {
	var zero T
	if f.Set || *dst == zero {
		*dst = f.Value
	}
}
