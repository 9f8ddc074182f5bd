// Package cluster owns the life of a kubelab cluster on top of docker.Provider: the
// ordered steps of a create (create.go, its kubeadm init and join steps in kubeadm.go,
// the node boot wait in boot.go) and the rollback of a failed one; the ordered steps of
// a stop (stop.go) and a start (start.go) of an existing cluster (lifecycle.go); its
// status from every side (status.go) and its logs for bug reports (logs.go); delete
// (of one cluster or all), listing with each cluster's state, node naming, and the
// readiness waits on nodes, system pods and add-ons (wait.go). It also owns
// what the host needs to reach a running cluster: the admin kubeconfig pointed at the
// address and port the API server is published on, an API client, a kubectl of the
// cluster's own version, node addresses and Service URLs, loading images into the
// nodes, and turning add-ons on and off.
//
// It talks to the container runtime only through docker.Provider, so its tests run on
// an in-memory fake.
package cluster
