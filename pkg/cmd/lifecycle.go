package cmd

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/cluster"
	"github.com/kubelab/kubelab/pkg/config"
)

func newStopCmd(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop a cluster's containers, keeping everything in it, until `kubelab start`",
		Long: "Stop every node container of a cluster (and its load balancer). Workloads, Services,\n" +
			"volumes and data stay; the cluster uses no CPU or memory and stays stopped across\n" +
			"Docker and host restarts until `kubelab start`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := dockerProvider()
			if err != nil {
				return err
			}
			st := g.status()
			wasRunning, err := cluster.Stop(cmd.Context(), dc, st, name)
			if err != nil {
				return err
			}
			if !wasRunning {
				st.Infof("Cluster %q is already stopped.", name)
				return nil
			}
			st.Infof("Cluster %q is stopped. `kubelab start --name %s` brings it back.", name, name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	return cmd
}

func newStartCmd(g *globals) *cobra.Command {
	var opts cluster.StartOptions
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start a stopped cluster again and wait until it is ready",
		Long: "Start a cluster's stopped containers. Nodes keep their addresses and the API server\n" +
			"its port on 127.0.0.1, so the kubeconfig keeps working; workloads, Services and\n" +
			"volumes come back as they were.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := dockerProvider()
			if err != nil {
				return err
			}
			st := g.status()
			wasStopped, err := cluster.Start(cmd.Context(), dc, st, opts)
			if err != nil {
				return err
			}
			if !wasStopped {
				st.Infof("Cluster %q is already running.", opts.Name)
				return nil
			}
			st.Infof("Cluster %q is running again.", opts.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", config.DefaultName, "cluster name")
	cmd.Flags().DurationVar(&opts.Wait, "wait", 5*time.Minute, "wait this long for the nodes, system pods and add-ons to be ready (0 to not wait)")
	return cmd
}

func newStatusCmd(g *globals) *cobra.Command {
	var name, output, kc string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether a cluster and each of its nodes is running and ready",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			s, err := cluster.GetStatus(cmd.Context(), dc, name, kc)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.out, s)
			}
			printStatus(g, s)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json, or text if empty")
	cmd.Flags().StringVar(&kc, "kubeconfig", "", "kubeconfig file to look for the cluster's context in (default $KUBECONFIG or ~/.kube/config)")
	return cmd
}

func printStatus(g *globals, s *cluster.Status) {
	fmt.Fprintf(g.out, "Cluster:     %s (%s)\n", s.Name, s.State)
	fmt.Fprintf(g.out, "Kubernetes:  %s\n", s.Version)
	api := "not answering"
	if s.APIAnswering {
		api = "answering"
	}
	fmt.Fprintf(g.out, "API server:  %s (%s)\n", s.APIServer, api)
	ctx := "present"
	if !s.HasContext {
		ctx = "missing (`kubelab get kubeconfig --name " + s.Name + "` prints one)"
	}
	fmt.Fprintf(g.out, "Context:     %s in %s: %s\n", s.Context, s.Kubeconfig, ctx)
	if len(s.Addons) > 0 {
		var parts []string
		for _, a := range s.Addons {
			parts = append(parts, a.Name+" "+a.Status)
		}
		fmt.Fprintf(g.out, "Add-ons:     %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintln(g.out)
	tw := tabwriter.NewWriter(g.out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tCONTAINER\tIP\tKUBELET\tAPI SERVER\tREADY")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, n := range s.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, n.Role, n.Container, dash(n.IP), dash(n.Kubelet), dash(n.APIServer), dash(n.Ready))
	}
	_ = tw.Flush()
	for _, w := range s.Warnings {
		fmt.Fprintf(g.err, "WARNING: %s\n", w)
	}
}

func newExportCmd(g *globals) *cobra.Command {
	export := &cobra.Command{Use: "export", Short: "Export a cluster's logs"}
	var name string
	logs := &cobra.Command{
		Use:   "logs [DIR]",
		Short: "Write a cluster's logs into DIR (default: a new temporary directory), for bug reports",
		Long: "Write, per node: docker inspect, the systemd journal, kubelet's and containerd's logs,\n" +
			"the containers and images in containerd, kubeadm's configuration and every pod's logs;\n" +
			"and for the cluster: its status, pods and events.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else if dir, err = os.MkdirTemp("", "kubelab-logs-"+name+"-"); err != nil {
				return err
			}
			st := g.status()
			st.Start(fmt.Sprintf("Exporting the logs of cluster %q", name))
			err = cluster.ExportLogs(cmd.Context(), dc, name, dir)
			st.End(err)
			if errors.Is(err, cluster.ErrNotFound) {
				return err
			}
			if err != nil {
				// What could be written is still worth having.
				fmt.Fprintf(g.err, "WARNING: some logs could not be exported: %v\n", err)
			}
			fmt.Fprintln(g.out, dir)
			st.Infof("Logs of cluster %q written to %s", name, dir)
			return nil
		},
	}
	logs.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	export.AddCommand(logs)
	return export
}
