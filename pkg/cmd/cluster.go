package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/cluster"
	"github.com/kubelab/kubelab/pkg/config"
	"github.com/kubelab/kubelab/pkg/defaults"
	"github.com/kubelab/kubelab/pkg/kubeconfig"
)

func newCreateCmd(g *globals) *cobra.Command {
	create := &cobra.Command{Use: "create", Short: "Create a cluster"}
	var opts cluster.CreateOptions
	var flags config.Flags
	var configFile string
	clusterCmd := &cobra.Command{
		Use:   "cluster",
		Short: "Create a Kubernetes cluster in Docker containers",
		Long: "Create a Kubernetes cluster: one control-plane node by default, --workers N worker\n" +
			"nodes, and with --control-planes N > 1 a highly available control plane behind a load\n" +
			"balancer. The kubeconfig context kubelab-<name> is added and made current.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := dockerProvider()
			if err != nil {
				return err
			}
			cfg := config.Default()
			if configFile != "" {
				if cfg, err = config.Load(configFile, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			// The file gives the shape; flags given on the command line override it.
			set := cmd.Flags().Changed
			flags.Name.Set, flags.Image.Set, flags.APIServerPort.Set = set("name"), set("image"), set("api-server-port")
			flags.ControlPlanes.Set, flags.Workers.Set = set("control-planes"), set("workers")
			flags.Registry.Set = set("registry")
			if err := flags.Apply(cfg); err != nil {
				return err
			}
			opts.Config = cfg
			st := g.status()
			if err := cluster.Create(cmd.Context(), dc, st, opts); err != nil {
				return err
			}
			ctx := kubeconfig.ContextName(cfg.Name)
			st.Infof("Cluster %q is ready. kubectl now uses context %q, e.g.:\n  kubectl get nodes\n  kubectl get pods -n kube-system", cfg.Name, ctx)
			return nil
		},
	}
	f := clusterCmd.Flags()
	f.StringVar(&configFile, "config", "", "cluster configuration file in TOML (- for standard input); flags override it")
	f.StringVar(&flags.Name.Value, "name", config.DefaultName, "cluster name")
	f.StringVar(&flags.Image.Value, "image", defaults.NodeImage(defaults.KubernetesVersion), "node image")
	f.DurationVar(&opts.Wait, "wait", 5*time.Minute, "wait this long for the nodes and system pods to be ready (0 to not wait)")
	f.IntVar(&flags.ControlPlanes.Value, "control-planes", 1, "number of control-plane nodes (more than 1: highly available, behind a load balancer)")
	f.IntVar(&flags.Workers.Value, "workers", 0, "number of worker nodes")
	f.IntVar(&flags.APIServerPort.Value, "api-server-port", 0, "host port of the API server on 127.0.0.1 (default: a free port)")
	f.BoolVar(&flags.Registry.Value, "registry", false, "connect the cluster to the host's local registry at localhost:5001 (started if needed; port: [registry] in --config)")
	f.BoolVar(&opts.Retain, "retain", false, "keep the nodes if the create fails, to debug it")
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig file to add the cluster to (default $KUBECONFIG or ~/.kube/config)")
	create.AddCommand(clusterCmd)
	return create
}

func newDeleteCmd(g *globals) *cobra.Command {
	del := &cobra.Command{Use: "delete", Short: "Delete a cluster"}
	var name, kc string
	var all bool
	clusterCmd := &cobra.Command{
		Use:   "cluster",
		Short: "Delete a cluster (running, stopped or half-created): its nodes, volumes and kubeconfig entries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all && cmd.Flags().Changed("name") {
				return errors.New("give either --name or --all, not both")
			}
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			st := g.status()
			if all {
				st.Start("Deleting every kubelab cluster")
				names, err := cluster.DeleteAll(cmd.Context(), dc, kc)
				st.End(err)
				if err == nil {
					if len(names) == 0 {
						st.Infof("There are no kubelab clusters (nothing to delete).")
					} else {
						st.Infof("Deleted %s.", strings.Join(names, ", "))
					}
				}
				return err
			}
			st.Start(fmt.Sprintf("Deleting cluster %q", name))
			err = cluster.Delete(cmd.Context(), dc, name, kc)
			if errors.Is(err, cluster.ErrNotFound) {
				st.End(nil)
				st.Infof("There is no cluster named %q (nothing to delete).", name)
				return nil
			}
			st.End(err)
			return err
		},
	}
	clusterCmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	clusterCmd.Flags().BoolVar(&all, "all", false, "delete every kubelab cluster")
	clusterCmd.Flags().StringVar(&kc, "kubeconfig", "", "kubeconfig file to remove the cluster from (default $KUBECONFIG or ~/.kube/config)")
	del.AddCommand(clusterCmd)
	return del
}

func newGetCmd(g *globals) *cobra.Command {
	get := &cobra.Command{Use: "get", Short: "Show clusters, nodes or a kubeconfig"}
	var output string

	clusters := &cobra.Command{
		Use:   "clusters",
		Short: "List kubelab clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			list, err := cluster.List(cmd.Context(), dc)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.out, list)
			}
			if len(list) == 0 {
				fmt.Fprintln(g.err, "No kubelab clusters.")
				return nil
			}
			tw := tabwriter.NewWriter(g.out, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATE\tNODES")
			for _, c := range list {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", c.Name, c.State, len(c.Nodes))
			}
			return tw.Flush()
		},
	}

	var name string
	nodes := &cobra.Command{
		Use:   "nodes",
		Short: "List a cluster's node containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			list, err := cluster.Nodes(cmd.Context(), dc, name)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.out, list)
			}
			tw := tabwriter.NewWriter(g.out, 0, 4, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tSTATUS\tIP")
			for _, n := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.Role, n.State, n.IP)
			}
			return tw.Flush()
		},
	}

	kc := &cobra.Command{
		Use:   "kubeconfig",
		Short: "Print a cluster's admin kubeconfig (API server on 127.0.0.1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			data, err := cluster.AdminKubeconfig(cmd.Context(), dc, name)
			if err != nil {
				return err
			}
			_, err = g.out.Write(data)
			return err
		},
	}
	for _, c := range []*cobra.Command{nodes, kc} {
		c.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	}
	for _, c := range []*cobra.Command{clusters, nodes} {
		c.Flags().StringVarP(&output, "output", "o", "", "output format: json, or a table if empty")
	}
	get.AddCommand(clusters, nodes, kc)
	return get
}

func newIPCmd(g *globals) *cobra.Command {
	var name, node string
	cmd := &cobra.Command{
		Use:   "ip",
		Short: "Print a node's IP address (the first control plane by default)",
		Long: "Print a node's address on the kubelab Docker network. From a Linux host it is\n" +
			"reachable directly, e.g. curl http://$(kubelab ip):<nodePort>/ for a NodePort Service.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			ip, err := cluster.NodeIP(cmd.Context(), dc, name, node)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.out, ip)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	cmd.Flags().StringVar(&node, "node", "", "node name (default: the first control plane)")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
