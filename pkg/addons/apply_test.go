package addons

import (
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Every embedded manifest renders with the values kubelab passes and parses as YAML.
func TestRenderManifests(t *testing.T) {
	cases := map[string]map[string]string{
		"netd.yaml": {"Image": "kubelab/netd:1.1", "PodSubnet": "10.244.0.0/16", "ServiceSubnet": "10.96.0.0/16", "LoadBalancerRange": "172.30.64.0/27", "CNIConf": "/etc/cni/net.d/10-kubelab.conflist"},
	}
	for _, a := range All {
		cases[a.Manifest] = a.Values
	}
	for name, values := range cases {
		data, err := Render(name, values)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range values {
			if !strings.Contains(string(data), v) {
				t.Errorf("%s: %q not filled in", name, v)
			}
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
		docs := 0
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				break
			}
			if obj != nil {
				if obj["kind"] == nil || obj["apiVersion"] == nil {
					t.Errorf("%s: document without kind/apiVersion: %v", name, obj)
				}
				docs++
			}
		}
		if docs < 2 {
			t.Errorf("%s: only %d documents parsed", name, docs)
		}
		if _, err := Render(name, map[string]string{}); err == nil {
			t.Errorf("%s: rendered with missing values", name)
		}
	}
}
