// Package registry is the image of the container registry kubelab runs on the host
// (github.com/distribution/distribution, built from its module): the local registry of
// `kubelab create cluster --registry`, and the mirror the conformance suite's
// always-pulling specs use. The node-image and conformance builders both build it.
package registry

import (
	"context"
	"fmt"

	"github.com/kubelab/kubelab/pkg/build/gomod"
	"github.com/kubelab/kubelab/pkg/build/imagefs"
)

const (
	module  = "github.com/distribution/distribution/v3"
	version = "v3.1.2"
	// Image is the registry's image on the host's Docker.
	Image = "kubelab/registry:" + version
	// Binary is the name of the built program.
	Binary = "registry"
	// Port is where the registry serves plain HTTP in its container.
	Port = 5000
	// DataDir is where it keeps images (a volume for the local registry).
	DataDir = "/var/lib/registry"
)

// config keeps images in DataDir and serves plain HTTP on Port, with no authentication:
// it is reachable from the host's loopback and the kubelab network only.
const config = `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
`

// Build is the wrapper module that builds the registry.
func Build(ctx context.Context) (gomod.Wrapper, []gomod.Build, error) {
	up, err := gomod.ReadUpstream(ctx, module, version)
	if err != nil {
		return gomod.Wrapper{}, nil, fmt.Errorf("distribution %s: %w", version, err)
	}
	cmd := module + "/cmd/registry"
	w := gomod.Wrapper{Name: "distribution-" + version, Module: module, Version: version,
		GoDirective: up.Go, Godebug: up.Godebug, Replace: up.Forks, Exclude: up.Exclude, Tools: []string{cmd}}
	return w, []gomod.Build{{Packages: []string{cmd}, Output: Binary,
		Ldflags: []string{"-X " + module + "/version.version=" + version}}}, nil
}

// ImageSpec is the registry's image: the binary, its configuration and its data
// directory; it runs on the host, never in nodes.
func ImageSpec() imagefs.Image {
	return imagefs.Image{Ref: Image, HostOnly: true, Bins: map[string]string{"usr/local/bin/registry": Binary},
		Changes:  []string{`ENTRYPOINT ["/usr/local/bin/registry"]`, `CMD ["serve", "/etc/distribution/config.yml"]`, "EXPOSE 5000"},
		ExtraKey: config, Extra: func(t *imagefs.Tar) error {
			if err := t.File("etc/distribution/config.yml", 0o644, []byte(config)); err != nil {
				return err
			}
			return t.Dir("var/lib/registry", 0o755)
		}}
}
