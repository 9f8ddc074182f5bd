package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kubelab/kubelab/pkg/cluster"
	"github.com/kubelab/kubelab/pkg/config"
)

func newDashboardCmd(g *globals) *cobra.Command {
	var name string
	var port int
	var urlOnly bool
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Open the cluster's dashboard through a local API proxy, with a sign-in token",
		Long: "Enables the dashboard add-on if needed and waits for it, serves the Kubernetes API on\n" +
			"127.0.0.1 the way `kubectl proxy` does, prints the dashboard's proxy URL and a one-hour\n" +
			"token of the ServiceAccount kubernetes-dashboard/kubelab-admin (cluster-admin), opens a\n" +
			"browser, and keeps the proxy running until Ctrl-C.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dc, err := g.docker(cmd.Context())
			if err != nil {
				return err
			}
			s, err := cluster.OpenDashboard(cmd.Context(), dc, g.status(), name, port)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.out, "Dashboard: %s\n", s.URL)
			fmt.Fprintf(g.out, "Sign in with this token (ServiceAccount %s/%s, valid %s):\n%s\n",
				cluster.DashboardNamespace, cluster.AdminAccount, cluster.TokenTTL, s.Token)
			if !urlOnly {
				if err := openBrowser(s.URL); err != nil {
					fmt.Fprintf(g.err, "Open the URL above in your browser (%v).\n", err)
				}
			}
			fmt.Fprintln(g.out, "The proxy runs until you press Ctrl-C.")
			<-cmd.Context().Done()
			s.Proxy.Stop()
			return s.Proxy.Wait()
		},
	}
	cmd.Flags().StringVar(&name, "name", config.DefaultName, "cluster name")
	cmd.Flags().IntVar(&port, "port", 0, "port of the API proxy on 127.0.0.1 (default: a free port)")
	cmd.Flags().BoolVar(&urlOnly, "url", false, "print the URL and token only; do not open a browser")
	return cmd
}

// openBrowser opens url in the desktop's browser; on Linux only when there is a display.
func openBrowser(url string) error {
	var c *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		c = exec.Command("open", url)
	case "windows":
		c = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return fmt.Errorf("no display")
		}
		c = exec.Command("xdg-open", url)
	}
	return c.Start()
}
