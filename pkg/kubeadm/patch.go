package kubeadm

import (
	"bytes"
	"fmt"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/yaml"
)

// Patch merges each patch (a YAML document with a kind, optionally an apiVersion) into
// the document of the same kind in a rendered multi-document configuration, as a JSON
// merge patch (RFC 7386): maps merge, everything else is replaced.
func Patch(rendered []byte, patches []string) ([]byte, error) {
	if len(patches) == 0 {
		return rendered, nil
	}
	docs := bytes.Split(rendered, []byte("\n---\n"))
	type meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	metas := make([]meta, len(docs))
	var kinds []string
	for i, d := range docs {
		if err := yaml.Unmarshal(d, &metas[i]); err != nil {
			return nil, err
		}
		kinds = append(kinds, metas[i].Kind)
	}
	for i, p := range patches {
		var pm meta
		patchJSON, err := yaml.YAMLToJSON([]byte(p))
		if err == nil {
			err = yaml.Unmarshal([]byte(p), &pm)
		}
		if err != nil {
			return nil, fmt.Errorf("kubeadm_config_patches[%d]: not YAML: %w", i, err)
		}
		if pm.Kind == "" {
			return nil, fmt.Errorf("kubeadm_config_patches[%d]: no kind: say which document it patches (%s)", i, strings.Join(kinds, ", "))
		}
		// Join configurations have no ClusterConfiguration, etc.: a patch applies to the
		// documents of its kind that are there.
		for j := range docs {
			if metas[j].Kind != pm.Kind || (pm.APIVersion != "" && metas[j].APIVersion != pm.APIVersion) {
				continue
			}
			docJSON, err := yaml.YAMLToJSON(docs[j])
			if err != nil {
				return nil, err
			}
			merged, err := jsonpatch.MergePatch(docJSON, patchJSON)
			if err != nil {
				return nil, fmt.Errorf("kubeadm_config_patches[%d]: %w", i, err)
			}
			if docs[j], err = yaml.JSONToYAML(merged); err != nil {
				return nil, err
			}
			docs[j] = bytes.TrimRight(docs[j], "\n")
		}
	}
	return append(bytes.Join(docs, []byte("\n---\n")), '\n'), nil
}

// Kinds are the documents a patch may target.
var Kinds = []string{"InitConfiguration", "ClusterConfiguration", "JoinConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"}

// CheckPatches validates patches up front, so a bad one fails before any node exists.
func CheckPatches(patches []string) error {
	for i, p := range patches {
		var m struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(p), &m); err != nil {
			return fmt.Errorf("kubeadm_config_patches[%d]: not YAML: %w", i, err)
		}
		ok := false
		for _, k := range Kinds {
			ok = ok || k == m.Kind
		}
		if !ok {
			return fmt.Errorf("kubeadm_config_patches[%d]: kind %q is not one of %s", i, m.Kind, strings.Join(Kinds, ", "))
		}
	}
	return nil
}
