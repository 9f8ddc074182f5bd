//go:build e2e

package e2e

import (
	"regexp"
	"testing"
)

// netpolSubset are the upstream NetworkPolicy specs (not part of [Conformance]) that
// `make test` runs with the conformance subset: default deny, a named port from one
// namespace, egress to an ipBlock with an except, and the API. The add-on
// network-policy, on by default, enforces them; `make netpol-conformance` runs them all.
var netpolSubset = func() []string {
	var focus []string
	for _, name := range []string{
		`Netpol NetworkPolicy between server and client should support a 'default-deny-ingress' policy`,
		`Netpol NetworkPolicy between server and client should allow ingress access from namespace on one named port`,
		`Netpol NetworkPolicy between server and client should enforce except clause while egress access to server in CIDR block`,
		`Netpol API should support creating NetworkPolicy API operations`,
	} {
		focus = append(focus, `\[sig-network\] `+regexp.QuoteMeta(name))
	}
	return focus
}()

// netpolSpecs matches the names of the suite's NetworkPolicy specs, in JUnit reports.
const netpolSpecs = `\[sig-network\] Netpol `

// Every NetworkPolicy spec of the suite: the [Feature:NetworkPolicy] ones and the API's.
const netpolFocus = `\[sig-network\] Netpol .*\[Feature:NetworkPolicy\]|\[sig-network\] Netpol API`

// netpolSkip: the SCTP connectivity specs serve and connect over SCTP, which the kernel
// of the machines kubelab is tested on lacks (CONFIG_IP_SCTP is not set): their server
// pods cannot listen, whatever the network policy implementation.
const netpolSkip = `\[Feature:SCTPConnectivity\]`

// networkPolicy runs every NetworkPolicy spec but netpolSkip's, in parallel
// (KUBELAB_CONFORMANCE=networkpolicy, `make netpol-conformance`).
func (g *ginkgoRun) networkPolicy(t *testing.T) (reports []string) {
	g.run(t, "networkpolicy.xml", "--procs="+g.procs, "--focus="+netpolFocus, "--skip="+netpolSkip+`|\[Serial\]`)
	return []string{"networkpolicy.xml"}
}
