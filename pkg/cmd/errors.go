package cmd

import (
	"errors"
	"strings"
	"syscall"
)

// explain adds what to do to errors whose cause a user can fix but whose text does not
// say how. A full disk shows up as ENOSPC from our own writes (the kubeconfig, the cache)
// and as text in the Docker daemon's or a node's answers.
func explain(err error) string {
	msg := err.Error()
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(msg, "no space left on device") {
		return msg + ": the disk is full: free some space (e.g. `docker system prune`, or delete clusters you no longer need) and try again"
	}
	return msg
}
