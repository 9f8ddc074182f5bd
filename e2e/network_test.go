//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/kubelab/kubelab/pkg/docker"
)

// TestNetworkDuplicatesRepaired: networks that share a name, as two kubelabs of before
// the network lock made them, are repaired by the next EnsureNetwork: it keeps the one a
// container is on (even if newer), removes the unused one, and refuses, saying what to
// run, when containers are on both. It works on networks of its own name, never on the
// shared network kubelab.
func TestNetworkDuplicatesRepaired(t *testing.T) {
	api := requireDocker(t)
	ctx := context.Background()
	name := uniqueName("lc-dup")
	older := createNetworkUnchecked(t, api, name)
	newer := createNetworkUnchecked(t, api, name)
	createContainerOn(t, api, name+"-c", newer)

	dc, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	nw, err := dc.EnsureNetwork(ctx, name)
	if err != nil {
		t.Fatalf("EnsureNetwork with duplicates: %v", err)
	}
	if nw.ID != newer {
		t.Errorf("kept %s, want %s (the one a container is on)", nw.ID, newer)
	}
	if _, err := api.NetworkInspect(ctx, older, network.InspectOptions{}); err == nil {
		t.Errorf("the unused duplicate %s is still there", older)
	}

	// Containers on both: nothing is removed, and the error says what to do.
	third := createNetworkUnchecked(t, api, name)
	createContainerOn(t, api, name+"-d", third)
	_, err = dc.EnsureNetwork(ctx, name)
	if err == nil || !strings.Contains(err.Error(), "docker network rm") || strings.Contains(err.Error(), "\n") {
		t.Errorf("want one line saying what to run, got %v", err)
	}
	for _, id := range []string{newer, third} {
		if _, err := api.NetworkInspect(ctx, id, network.InspectOptions{}); err != nil {
			t.Errorf("network %s in use was removed: %v", id, err)
		}
	}
}

// createNetworkUnchecked creates a network of a name even if one exists (as dockerd
// 20.10 does for requests that do not ask for its duplicate check), and removes it when
// the test ends.
func createNetworkUnchecked(t *testing.T, api *client.Client, name string) string {
	t.Helper()
	api.NegotiateAPIVersion(context.Background())
	body, _ := json.Marshal(map[string]any{"Name": name, "CheckDuplicate": false})
	req, err := http.NewRequest(http.MethodPost, "http://docker/v"+api.ClientVersion()+"/networks/create", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := api.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var created struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(data, &created) != nil || created.ID == "" {
		t.Fatalf("create network %s: %s %s", name, resp.Status, data)
	}
	t.Cleanup(func() { _ = api.NetworkRemove(context.Background(), created.ID) })
	return created.ID
}

// createContainerOn creates (without starting) a container on a network, given by ID,
// and removes it when the test ends.
func createContainerOn(t *testing.T, api *client.Client, name, networkID string) {
	t.Helper()
	ctx := context.Background()
	resp, err := api.ContainerCreate(ctx, &container.Config{Image: "busybox:1.35", Cmd: []string{"true"}}, nil,
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{networkID: {NetworkID: networkID}}}, nil, name)
	if err != nil {
		t.Fatal(fmt.Errorf("create container %s: %w", name, err))
	}
	// Removed before the networks (cleanups run last in, first out).
	t.Cleanup(func() { _ = api.ContainerRemove(context.Background(), resp.ID, container.RemoveOptions{Force: true}) })
}
