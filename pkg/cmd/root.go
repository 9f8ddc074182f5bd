// Package cmd is kubelab's command line: cobra commands that turn flags into options and
// call the library, and print what it returns. No cluster logic lives here. The commands
// reach the container runtime only through the daemon interface, so they are tested
// against a fake.
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

// daemon is what the commands need of the container runtime: the cluster side
// (docker.Provider) and the image builders' side (docker.ImageBuilder).
type daemon interface {
	docker.Provider
	docker.ImageBuilder
}

// docker connects to the Docker daemon and checks that it answers.
func (g *globals) docker(ctx context.Context) (daemon, error) {
	dc, err := dockerProvider()
	if err != nil {
		return nil, err
	}
	if err := dc.Ping(ctx); err != nil {
		return nil, err
	}
	return dc, nil
}

// dockerProvider connects to the Docker daemon; the command tests replace it with a fake.
var dockerProvider = func() (daemon, error) {
	dc, err := docker.New()
	if err != nil {
		return nil, err
	}
	return dc, nil
}

// NewRoot builds the kubelab command tree.
func NewRoot() *cobra.Command { return newRoot(os.Stdout, os.Stderr) }

// newRoot builds the command tree writing results to out and progress and notes to errOut.
func newRoot(out, errOut io.Writer) *cobra.Command {
	g := &globals{out: out, err: errOut}
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
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print no progress lines")
	root.AddCommand(
		newVersionCmd(g),
		newBuildCmd(g),
		newCreateCmd(g),
		newDeleteCmd(g),
		newStopCmd(g),
		newStartCmd(g),
		newStatusCmd(g),
		newExportCmd(g),
		newGetCmd(g),
		newIPCmd(g),
		newServiceCmd(g),
		newLoadCmd(g),
		newKubectlCmd(g),
		newAddonsCmd(g),
		newDashboardCmd(g),
		newRegistryCmd(g),
	)
	return root
}

// Execute runs kubelab and returns the process exit code.
func Execute(ctx context.Context) int {
	root := NewRoot()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: %s\n", explain(err))
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
