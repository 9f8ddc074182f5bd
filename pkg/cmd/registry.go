package cmd

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/cluster"
)

func newRegistryCmd(g *globals) *cobra.Command {
	reg := &cobra.Command{
		Use:   "registry",
		Short: "The host's local image registry (kubelab create cluster --registry)",
		Long: "The local registry is one container per host, shared by the clusters created with\n" +
			"--registry or a [registry] table: `docker push localhost:5001/app:1` on the host, and\n" +
			"pods run localhost:5001/app:1. Its images live in a volume that outlives clusters.",
	}
	var output string
	status := &cobra.Command{
		Use:   "status",
		Short: "Show whether the local registry runs, on which port, and where its images are kept",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			r, err := cluster.RegistryStatus(cmd.Context(), dc)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.out, r)
			}
			tw := tabwriter.NewWriter(g.out, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATE\tADDRESS\tNETWORKS\tVOLUME")
			addr, vol := "-", r.Volume
			if r.HostPort != 0 {
				addr = fmt.Sprintf("localhost:%d", r.HostPort)
			}
			if !r.VolumeExists {
				vol = "-"
			}
			nets := "-"
			if len(r.Networks) > 0 {
				nets = fmt.Sprint(r.Networks)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.State, addr, nets, vol)
			return tw.Flush()
		},
	}
	status.Flags().StringVarP(&output, "output", "o", "", "output format: json, or a table if empty")
	del := &cobra.Command{
		Use:   "delete",
		Short: "Remove the local registry and the images it holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			st := g.status()
			st.Start("Deleting the local registry " + cluster.RegistryName + " and its volume " + cluster.RegistryVolume)
			err = cluster.DeleteRegistry(cmd.Context(), dc)
			st.End(err)
			return err
		},
	}
	reg.AddCommand(status, del)
	return reg
}
