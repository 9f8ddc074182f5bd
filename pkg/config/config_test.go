package config

import (
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/labels"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"kubelab", "a", "lab-2", "my-cluster-1", strings.Repeat("a", 40)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q: unexpected error %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Lab", "1lab", "-lab", "lab-", "lab_1", "lab.1", "la b", strings.Repeat("a", 41), "läb"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Name != "kubelab" || len(c.Nodes) != 1 || c.Nodes[0].Role != labels.RoleControlPlane {
		t.Errorf("default cluster: %+v", c)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		mutate func(*Cluster)
		field  string
	}{
		{func(c *Cluster) { c.Nodes = []Node{{Role: "master"}} }, "nodes[0].role"},
		{func(c *Cluster) { c.Nodes = []Node{{Role: labels.RoleWorker}} }, "nodes"},
		{func(c *Cluster) { c.Networking.PodSubnet = "10.244.0.0" }, "networking.pod_subnet"},
		{func(c *Cluster) { c.Networking.PodSubnet = "10.244.0.0/24" }, "networking.pod_subnet"},
		{func(c *Cluster) { c.Networking.ServiceSubnet = "nope" }, "networking.service_subnet"},
		{func(c *Cluster) { c.Networking.ServiceSubnet = "10.244.128.0/20" }, "overlap"},
		{func(c *Cluster) { c.Networking.APIServerAddress = "localhost" }, "networking.api_server_address"},
		{func(c *Cluster) { c.Networking.APIServerPort = 70000 }, "networking.api_server_port"},
		{func(c *Cluster) { c.Name = "Bad" }, "cluster name"},
	}
	for _, tc := range cases {
		c := Default()
		tc.mutate(c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("want an error naming %q, got %v", tc.field, err)
		}
	}
}
