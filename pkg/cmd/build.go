package cmd

import (
	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/build/conformance"
	"github.com/kubelab/kubelab/pkg/build/nodeimage"
	"github.com/kubelab/kubelab/pkg/defaults"
)

func newBuildCmd(g *globals) *cobra.Command {
	build := &cobra.Command{Use: "build", Short: "Build images"}
	var opts nodeimage.Options
	nodeImage := &cobra.Command{
		Use:   "node-image",
		Short: "Build the node image from source (Kubernetes, etcd, CoreDNS, containerd, Debian)",
		Long: "Builds kubelab/node:<version> locally: Kubernetes and its components from the Go module\n" +
			"proxy, a Debian root filesystem with debootstrap, and every image the cluster runs\n" +
			"preloaded into the node's containerd. Parts whose inputs did not change are reused,\n" +
			"so running it again is quick. Needs root (debootstrap), Go and a Docker daemon.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := dockerProvider()
			if err != nil {
				return err
			}
			return nodeimage.Build(cmd.Context(), dc, g.status(), opts)
		},
	}
	nodeImage.Flags().StringVar(&opts.KubernetesVersion, "kubernetes-version", defaults.KubernetesVersion, "Kubernetes release to build")
	nodeImage.Flags().StringVar(&opts.Image, "image", "", "name of the image to build (default kubelab/node:<kubernetes-version>)")
	nodeImage.Flags().StringVar(&opts.CacheDir, "cache-dir", defaults.CacheDir(), "where build inputs and binaries are kept")
	nodeImage.Flags().BoolVar(&opts.Force, "force", false, "rebuild the images even if their inputs did not change")
	var conf conformance.Options
	conformanceTools := &cobra.Command{
		Use:   "conformance-tools",
		Short: "Build the Kubernetes conformance suite (e2e.test, ginkgo) and its test images from source",
		Long: "Builds e2e.test and ginkgo of a Kubernetes release from the Go module proxy, and the\n" +
			"images the [Conformance] tests run (agnhost, busybox, nginx, ...) under the names the\n" +
			"suite expects, into the host's Docker. OUT gets links to e2e.test, ginkgo and kubectl\n" +
			"and images.txt, the images to `kubelab load docker-image` into a cluster.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := dockerProvider()
			if err != nil {
				return err
			}
			return conformance.Build(cmd.Context(), dc, g.status(), conf)
		},
	}
	conformanceTools.Flags().StringVar(&conf.KubernetesVersion, "kubernetes-version", defaults.KubernetesVersion, "Kubernetes release whose suite to build")
	conformanceTools.Flags().StringVar(&conf.CacheDir, "cache-dir", defaults.CacheDir(), "where build inputs and binaries are kept")
	conformanceTools.Flags().StringVar(&conf.OutDir, "out", "bin/conformance", "directory for the links to the tools and images.txt")
	build.AddCommand(nodeImage, conformanceTools)
	return build
}
