// Package docker is kubelab's only door to the container runtime. It owns the Docker
// Engine API client (client.go), and through it: the probe of whether the daemon allows
// --privileged and what a node is granted instead (security.go); the kubelab network
// and the fixed node addresses on it (network.go), the host-wide lock around both
// (lock.go) and the repair of networks that share its name (network_repair.go); the
// create requests of node and load balancer containers (containerspec.go); creating,
// listing and deleting them with their volumes (nodes.go); stopping and starting them,
// and finding volumes left without their container (lifecycle.go); running commands
// in them and copying files in and out (exec.go); and, for the node-image builder, image operations (images.go) and build
// containers (buildcontainer.go).
//
// The cluster code sees it through the Provider interface (provider.go), the image
// builders through ImageBuilder (imagebuilder.go); *Client implements both. Everything
// goes through the Engine API (Go SDK); nothing shells out to the docker CLI.
package docker
