package docker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

// repairDuplicates keeps one of several networks named name, removes the others and
// returns the ID of the one kept. Such duplicates are what two kubelabs of before the
// network lock made when they created clusters at the same moment; while they exist,
// every request naming the network fails with "network kubelab is ambiguous".
//
// A container (running or stopped) on a removed network could never start again, so
// the one kept is the one containers use, else the oldest. When containers use more
// than one, nothing is removed and the error says what to run.
func (c *Client) repairDuplicates(ctx context.Context, name string, nets []network.Summary) (string, error) {
	users, err := c.networkUsers(ctx, nets)
	if err != nil {
		return "", err
	}
	sort.SliceStable(nets, func(i, j int) bool { return nets[i].Created.Before(nets[j].Created) })
	var used []network.Summary
	for _, n := range nets {
		if len(users[n.ID]) > 0 {
			used = append(used, n)
		}
	}
	if len(used) > 1 {
		var desc []string
		for _, n := range used[1:] {
			desc = append(desc, fmt.Sprintf("%s (containers %s)", shortID(n.ID), strings.Join(users[n.ID], ", ")))
		}
		return "", fmt.Errorf("%d Docker networks are named %s and several hold containers: keep %s and remove the containers on %s (`kubelab delete cluster --name ...`, or `docker rm -f` for others), then run `docker network rm` on those networks' IDs",
			len(nets), name, shortID(used[0].ID), strings.Join(desc, "; "))
	}
	keep := nets[0]
	if len(used) == 1 {
		keep = used[0]
	}
	for _, n := range nets {
		if n.ID == keep.ID {
			continue
		}
		if err := c.api.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("%d Docker networks are named %s and removing the unused %s failed (%v): run `docker network rm %s`", len(nets), name, shortID(n.ID), err, n.ID)
		}
	}
	return keep.ID, nil
}

// networkUsers maps each of nets to the containers, running or stopped, that are on it.
// The daemon's container list names each container's networks by ID, stopped ones too.
func (c *Client) networkUsers(ctx context.Context, nets []network.Summary) (map[string][]string, error) {
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	ids := map[string]bool{}
	for _, n := range nets {
		ids[n.ID] = true
	}
	users := map[string][]string{}
	for _, ct := range list {
		if ct.NetworkSettings == nil || len(ct.Names) == 0 {
			continue
		}
		for _, ep := range ct.NetworkSettings.Networks {
			if ep != nil && ids[ep.NetworkID] {
				users[ep.NetworkID] = append(users[ep.NetworkID], strings.TrimPrefix(ct.Names[0], "/"))
			}
		}
	}
	return users, nil
}
