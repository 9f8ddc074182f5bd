package kubeadm

// The Go runtime of every control-plane program keeps up to GOGC percent of its live heap
// again as garbage before it collects (100 by default), and gives freed pages back to the
// kernel only slowly. A lab cluster sits idle most of its life, with little to allocate:
// collecting sooner costs a few CPU-milliseconds a second and keeps the node's memory
// close to what the programs actually use.

// envVar is kubeadm v1beta4's EnvVar (a name and a plain value).
type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// GoGC is the collector's target of the API server, controller manager, scheduler, etcd
// and CoreDNS (the add-on manifests and the node's systemd units carry the same value):
// a heap grows to 1.3x its live part before a collection, not 2x.
const GoGC = "30"

// goRuntimeEnv is the environment of a control-plane static pod's Go runtime.
func goRuntimeEnv() []envVar {
	return []envVar{{Name: "GOGC", Value: GoGC}}
}
