package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/labels"
)

func TestFlagsApply(t *testing.T) {
	const defaultImage = "kubelab/node:default"
	// What `kubelab create cluster` passes when the user gives no flag.
	unset := Flags{
		Name:          Flag[string]{Value: DefaultName},
		Image:         Flag[string]{Value: defaultImage},
		APIServerPort: Flag[int]{Value: 0},
		ControlPlanes: Flag[int]{Value: 1},
		Workers:       Flag[int]{Value: 0},
	}
	fromFile := func() *Cluster {
		c, err := Decode([]byte(`
name = "lab"
image = "kubelab/node:file"
[networking]
api_server_port = 6443
[[nodes]]
role = "control-plane"
labels = { tier = "control" }
[[nodes]]
role = "worker"
`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fileWithout := func(mutate func(*Cluster)) func() *Cluster {
		return func() *Cluster { c := fromFile(); mutate(c); return c }
	}
	cp, w := labels.RoleControlPlane, labels.RoleWorker
	cases := []struct {
		name  string
		base  func() *Cluster
		flags func(*Flags)
		// want
		clusterName, image string
		port               int
		roles              []string
		err                string
	}{
		{name: "defaults", base: Default, flags: func(*Flags) {},
			clusterName: DefaultName, image: defaultImage, port: 0, roles: []string{cp}},
		{name: "file alone", base: fromFile, flags: func(*Flags) {},
			clusterName: "lab", image: "kubelab/node:file", port: 6443, roles: []string{cp, w}},
		{name: "file without an image gets the default one", base: fileWithout(func(c *Cluster) { c.Image = "" }), flags: func(*Flags) {},
			clusterName: "lab", image: defaultImage, port: 6443, roles: []string{cp, w}},
		{name: "file without a port keeps a free one", base: fileWithout(func(c *Cluster) { c.Networking.APIServerPort = 0 }), flags: func(*Flags) {},
			clusterName: "lab", image: "kubelab/node:file", port: 0, roles: []string{cp, w}},
		{name: "--name over the default", base: Default, flags: func(f *Flags) { f.Name = Flag[string]{"mine", true} },
			clusterName: "mine", image: defaultImage, port: 0, roles: []string{cp}},
		{name: "--name over the file", base: fromFile, flags: func(f *Flags) { f.Name = Flag[string]{"mine", true} },
			clusterName: "mine", image: "kubelab/node:file", port: 6443, roles: []string{cp, w}},
		{name: "--image over the file", base: fromFile, flags: func(f *Flags) { f.Image = Flag[string]{"kubelab/node:flag", true} },
			clusterName: "lab", image: "kubelab/node:flag", port: 6443, roles: []string{cp, w}},
		{name: "--image given as the default over the file", base: fromFile, flags: func(f *Flags) { f.Image.Set = true },
			clusterName: "lab", image: defaultImage, port: 6443, roles: []string{cp, w}},
		{name: "--api-server-port over the default", base: Default, flags: func(f *Flags) { f.APIServerPort = Flag[int]{7000, true} },
			clusterName: DefaultName, image: defaultImage, port: 7000, roles: []string{cp}},
		{name: "--api-server-port 0 over the file", base: fromFile, flags: func(f *Flags) { f.APIServerPort.Set = true },
			clusterName: "lab", image: "kubelab/node:file", port: 0, roles: []string{cp, w}},
		{name: "--workers replaces the file's nodes", base: fromFile, flags: func(f *Flags) { f.Workers = Flag[int]{2, true} },
			clusterName: "lab", image: "kubelab/node:file", port: 6443, roles: []string{cp, w, w}},
		{name: "--control-planes replaces the file's nodes", base: fromFile, flags: func(f *Flags) { f.ControlPlanes = Flag[int]{3, true} },
			clusterName: "lab", image: "kubelab/node:file", port: 6443, roles: []string{cp, cp, cp}},
		{name: "--control-planes and --workers over the default", base: Default, flags: func(f *Flags) {
			f.ControlPlanes, f.Workers = Flag[int]{2, true}, Flag[int]{1, true}
		}, clusterName: DefaultName, image: defaultImage, port: 0, roles: []string{cp, cp, w}},
		{name: "--control-planes 0", base: Default, flags: func(f *Flags) { f.ControlPlanes = Flag[int]{0, true} }, err: "--control-planes must be at least 1"},
		{name: "--workers -1", base: fromFile, flags: func(f *Flags) { f.Workers = Flag[int]{-1, true} }, err: "--workers at least 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := unset
			tc.flags(&f)
			c := tc.base()
			err := f.Apply(c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want an error with %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, n := range c.Nodes {
				roles = append(roles, n.Role)
			}
			if c.Name != tc.clusterName || c.Image != tc.image || c.Networking.APIServerPort != tc.port || !slices.Equal(roles, tc.roles) {
				t.Errorf("got name %q image %q port %d roles %v, want %q %q %d %v",
					c.Name, c.Image, c.Networking.APIServerPort, roles, tc.clusterName, tc.image, tc.port, tc.roles)
			}
			if len(c.Nodes) > 0 && (f.ControlPlanes.Set || f.Workers.Set) && c.Nodes[0].Labels != nil {
				t.Errorf("replaced nodes kept the file's labels: %+v", c.Nodes[0])
			}
		})
	}
}
