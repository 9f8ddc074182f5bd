package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubelab/kubelab/pkg/addons/catalog"
)

// Every add-on of the catalog can be chosen in the [addons] table under its own name: on
// by default, and off when set to false without touching the others.
func TestAddonsFollowTheCatalog(t *testing.T) {
	names := catalog.Names()
	if len(names) == 0 {
		t.Fatal("no add-ons")
	}
	for _, name := range names {
		if !(Addons{}).Enabled(name) || !Addons(nil).Enabled(name) {
			t.Errorf("%s: not on by default", name)
		}
		c, err := Decode([]byte("[addons]\n\"" + name + "\" = false\n"))
		if err != nil {
			t.Fatalf("%s = false: %v", name, err)
		}
		for _, other := range names {
			if got, want := c.Addons.Enabled(other), other != name; got != want {
				t.Errorf("%s = false: Enabled(%s) = %v", name, other, got)
			}
		}
	}
	if (Addons{"bogus": true}).Enabled("bogus") {
		t.Error("an unknown add-on is enabled")
	}
}

func TestUnknownAddonGivesLineAndColumn(t *testing.T) {
	const known = "(known: dashboard, ingress, metrics-server, network-policy, storage)"
	cases := []struct{ doc, want string }{
		{"[addons]\ningress = true\ndashbaord = true\n", `3:1: unknown add-on "dashbaord" ` + known},
		{"name = \"lab\"\naddons.foo = false\n", `2:1: unknown add-on "foo" ` + known},
		{"addons = { storage = true, foo = true }\n", `1:28: unknown add-on "foo" ` + known},
		{"[addons]\n\"b\" = true\na = true\n", `3:1: unknown add-on "a" ` + known + `; 2:1: unknown add-on "b" ` + known},
		// [[nodes]] tables after [addons] are no add-ons.
		{"[addons]\nfoo = true\n[[nodes]]\nrole = \"worker\"\n", `2:1: unknown add-on "foo"`},
	}
	for _, tc := range cases {
		_, err := Decode([]byte(tc.doc))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: want an error starting %q, got %v", tc.doc, tc.want, err)
		}
	}

	path := filepath.Join(t.TempDir(), "lab.toml")
	doc := "name = \"lab\"\n\n[networking]\npod_subnet = \"10.244.0.0/16\"\n\n[addons]\nfoo = true\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if want := path + `:7:1: unknown add-on "foo" ` + known; err == nil || err.Error() != want {
		t.Errorf("Load: want %q, got %v", want, err)
	}
}

func TestValidateNamesUnknownAddon(t *testing.T) {
	c := Default()
	c.Addons = Addons{"storage": false, "registry": true}
	err := c.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), `addons: unknown add-on "registry"`) {
		t.Errorf("got %v", err)
	}
}
