// kubelab creates and manages Kubernetes clusters in Docker containers.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubelab/kubelab/pkg/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Execute(ctx)
	stop()
	os.Exit(code)
}
