// Package cmd is kubelab's command line: cobra commands that turn flags into options and
// call the library. No cluster logic lives here.
package cmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/ui"
)

// Version of kubelab, set at link time by the Makefile.
var Version = "dev"

type globals struct {
	quiet bool
	out   io.Writer
	err   io.Writer
}

func (g *globals) status() *ui.Status { return ui.NewStatus(g.err, g.quiet) }

// docker connects to the Docker daemon and checks that it answers.
func (g *globals) docker(ctx context.Context) (*docker.Client, error) {
	dc, err := dockerProvider()
	if err != nil {
		return nil, err
	}
	if err := dc.Ping(ctx); err != nil {
		return nil, err
	}
	return dc, nil
}

// dockerProvider is replaced in tests.
var dockerProvider = func() (*docker.Client, error) { return docker.New() }

// NewRoot builds the kubelab command tree.
func NewRoot() *cobra.Command {
	g := &globals{out: os.Stdout, err: os.Stderr}
	root := &cobra.Command{
		Use:   "kubelab",
		Short: "Real Kubernetes clusters in Docker containers, built from source, for learning",
		Long: "kubelab boots Kubernetes clusters (kubeadm, etcd, containerd, CoreDNS, kube-proxy, ...)\n" +
			"in Docker containers on your machine. Everything is built locally from source,\n" +
			"so it works without any container registry.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print no progress lines")
	root.AddCommand(
		newVersionCmd(g),
		newBuildCmd(g),
		newCreateCmd(g),
		newDeleteCmd(g),
		newGetCmd(g),
		newIPCmd(g),
		newServiceCmd(g),
		newLoadCmd(g),
		newKubectlCmd(g),
		newAddonsCmd(g),
		newDashboardCmd(g),
	)
	return root
}

// Execute runs kubelab and returns the process exit code.
func Execute(ctx context.Context) int {
	root := NewRoot()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kubelab's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(g.out, "kubelab %s\n", Version)
		},
	}
}
