// Package kubelab carries the source of kubelab's own in-cluster programs, so that the
// node-image builder can compile them from any kubelab binary, not only from a checkout.
package kubelab

import "embed"

// Source is a copy of this module holding the programs that run inside clusters.
//
//go:embed go.mod go.sum cmd/kubelab-echo cmd/kubelab-bootcamp cmd/kubelab-netd cmd/kubelab-netpol cmd/kubelab-lb cmd/kubelab-dashboard pkg/netd pkg/netpol pkg/servicelb pkg/lb pkg/tcpsplice pkg/dashboard
var Source embed.FS
