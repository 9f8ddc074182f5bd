package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/cluster"
	"github.com/kubelab/kubelab/pkg/config"
)

func newAddonsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "addons",
		Short: "List, enable or disable a cluster's add-ons (" + strings.Join(addons.Names(), ", ") + ")",
		Long: "Add-ons are the optional parts of a cluster. A new cluster gets all of them unless its\n" +
			"configuration file says otherwise in its [addons] table, e.g. `ingress = false`.",
	}
	var name, output string
	list := &cobra.Command{
		Use:   "list",
		Short: "Show each add-on and whether it is enabled and ready",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			states, err := cluster.AddonStates(cmd.Context(), dc, name)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.out, states)
			}
			tw := tabwriter.NewWriter(g.out, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATUS\tDESCRIPTION")
			for _, s := range states {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Status, s.Description)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "", "output format: json, or a table if empty")

	set := func(enable bool) *cobra.Command {
		verb, doing := "enable", "Enabling"
		short := "Install an add-on on a running cluster and wait until it is ready"
		if !enable {
			verb, doing = "disable", "Disabling"
			short = "Remove an add-on from a running cluster (volumes it made stay)"
		}
		return &cobra.Command{
			Use:       verb + " NAME",
			Short:     short,
			Args:      cobra.ExactArgs(1),
			ValidArgs: addons.Names(),
			RunE: func(cmd *cobra.Command, args []string) error {
				if _, err := addons.Find(args[0]); err != nil {
					return err
				}
				dc, err := g.docker(cmd.Context())
				if err != nil {
					return err
				}
				st := g.status()
				st.Start(fmt.Sprintf("%s add-on %s on cluster %q", doing, args[0], name))
				err = cluster.SetAddon(cmd.Context(), dc, name, args[0], enable)
				st.End(err)
				return err
			},
		}
	}
	enable, disable := set(true), set(false)
	for _, c := range []*cobra.Command{list, enable, disable} {
		c.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
		cmd.AddCommand(c)
	}
	return cmd
}
