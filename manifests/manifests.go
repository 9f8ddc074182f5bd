// Package manifests holds the Kubernetes manifests kubelab applies to its clusters,
// embedded in the binary as templates filled in per cluster: netd.yaml, the pod network
// every cluster gets, and addons/*.yaml, one per optional add-on (see pkg/addons).
package manifests

import "embed"

// FS holds the manifests by path: "netd.yaml" and "addons/<file>.yaml".
//
//go:embed netd.yaml addons/*.yaml
var FS embed.FS
