package cluster

import (
	"strconv"

	"github.com/kubelab/kubelab/pkg/config"
)

// NodeNames names a cluster's nodes in order: <cluster>-control-plane,
// <cluster>-control-plane2, ..., <cluster>-worker, <cluster>-worker2, ...
func NodeNames(cluster string, nodes []config.Node) []string {
	count := map[string]int{}
	names := make([]string, len(nodes))
	for i, n := range nodes {
		count[n.Role]++
		names[i] = cluster + "-" + n.Role
		if count[n.Role] > 1 {
			names[i] += strconv.Itoa(count[n.Role])
		}
	}
	return names
}

// NetworkName is the Docker network every kubelab cluster's nodes join.
const NetworkName = "kubelab"
