package config_test

import (
	"testing"

	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/kubeadm"
)

// The documented example must stay a valid configuration.
func TestExampleIsValid(t *testing.T) {
	c, err := config.Decode(config.Example)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := kubeadm.CheckPatches(c.KubeadmConfigPatches); err != nil {
		t.Fatal(err)
	}
	if c.Name != "lab" || len(c.Nodes) != 3 || c.Nodes[0].PortMappings[0].HostPort != 8080 {
		t.Errorf("example decoded as %+v", c)
	}
}
