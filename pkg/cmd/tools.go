package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/cluster"
	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/defaults"
)

func newServiceCmd(g *globals) *cobra.Command {
	var name, namespace string
	var urlOnly bool
	cmd := &cobra.Command{
		Use:   "service NAME",
		Short: "Print the URLs of a LoadBalancer (http://<external ip>:<port>) or NodePort Service (http://<node ip>:<nodePort>)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			urls, err := cluster.ServiceURLs(cmd.Context(), dc, name, namespace, args[0])
			if err != nil {
				return err
			}
			if !urlOnly {
				fmt.Fprintf(g.err, "Service %s/%s answers from this machine at:\n", namespace, args[0])
			}
			for _, u := range urls {
				fmt.Fprintln(g.out, u)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "namespace of the Service")
	cmd.Flags().BoolVar(&urlOnly, "url", false, "print only the URLs, one per line")
	return cmd
}

func newLoadCmd(g *globals) *cobra.Command {
	load := &cobra.Command{Use: "load", Short: "Copy images into a cluster's nodes"}
	var name string
	var nodes []string
	dockerImage := &cobra.Command{
		Use:   "docker-image IMAGE...",
		Short: "Copy images from the host's Docker into every node (no registry needed)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			st := g.status()
			st.Start(fmt.Sprintf("Loading %d image(s) into cluster %q", len(args), name))
			err = cluster.LoadImages(cmd.Context(), dc, name, nodes, args)
			st.End(err)
			return err
		},
	}
	archive := &cobra.Command{
		Use:   "image-archive FILE",
		Short: "Load an image archive (docker save or OCI tar) into every node",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err != nil {
				return err
			}
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			st := g.status()
			st.Start(fmt.Sprintf("Loading %s into cluster %q", filepath.Base(args[0]), name))
			err = cluster.LoadArchive(cmd.Context(), dc, name, nodes, args[0])
			st.End(err)
			return err
		},
	}
	for _, c := range []*cobra.Command{dockerImage, archive} {
		c.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
		c.Flags().StringSliceVar(&nodes, "nodes", nil, "only these nodes (comma-separated; default all)")
	}
	load.AddCommand(dockerImage, archive)
	return load
}

func newKubectlCmd(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "kubectl -- ARGS...",
		Short: "Run a kubectl of the cluster's version against the cluster",
		Long: "Run kubectl, copied from the cluster's own node, against the cluster, for machines\n" +
			"without kubectl. Everything after -- goes to kubectl, e.g. kubelab kubectl -- get pods -A",
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			kubectl, kc, err := cluster.Kubectl(cmd.Context(), dc, name, defaults.CacheDir())
			if err != nil {
				return err
			}
			argv := append([]string{"kubectl", "--kubeconfig", kc}, args...)
			// Become kubectl: its exit code, terminal and signals are the user's.
			if err := syscall.Exec(kubectl, argv, os.Environ()); err != nil {
				c := exec.CommandContext(cmd.Context(), kubectl, argv[1:]...)
				c.Stdin, c.Stdout, c.Stderr = os.Stdin, g.out, g.err
				return c.Run()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	return cmd
}
