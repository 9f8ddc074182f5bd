package cmd

import (
	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/nodeimage"
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
	nodeImage.Flags().StringVar(&opts.KubernetesVersion, "kubernetes-version", nodeimage.DefaultKubernetesVersion, "Kubernetes release to build")
	nodeImage.Flags().StringVar(&opts.Image, "image", "", "name of the image to build (default kubelab/node:<kubernetes-version>)")
	nodeImage.Flags().StringVar(&opts.CacheDir, "cache-dir", nodeimage.DefaultCacheDir(), "where build inputs and binaries are kept")
	nodeImage.Flags().BoolVar(&opts.Force, "force", false, "rebuild the images even if their inputs did not change")
	build.AddCommand(nodeImage)
	return build
}
