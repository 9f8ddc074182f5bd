//go:build e2e

package e2e

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"golang.org/x/sync/errgroup"

	"github.com/kubelab/kubelab/e2e/benchreport"
)

// clusterStats reads the one-shot stats of every container of a cluster, at once.
func clusterStats(api *client.Client, cluster string) ([]container.StatsResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := api.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "io.kubelab.cluster="+cluster))})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("no running container of cluster %s", cluster)
	}
	out := make([]container.StatsResponse, len(cs))
	g, ctx := errgroup.WithContext(ctx)
	for i, c := range cs {
		g.Go(func() error {
			r, err := api.ContainerStatsOneShot(ctx, c.ID)
			if err != nil {
				return err
			}
			defer r.Body.Close()
			return json.NewDecoder(r.Body).Decode(&out[i])
		})
	}
	return out, g.Wait()
}

// clusterCPUSeconds is the CPU time the cluster's containers (their whole cgroups, so
// every process and pod in the nodes) have used since they started.
func clusterCPUSeconds(api *client.Client, cluster string) (float64, error) {
	stats, err := clusterStats(api, cluster)
	if err != nil {
		return 0, err
	}
	var ns uint64
	for _, s := range stats {
		ns += s.CPUStats.CPUUsage.TotalUsage
	}
	return float64(ns) / 1e9, nil
}

// clusterMemoryMiB is the memory the cluster's containers use, as `docker stats` counts
// it: their cgroups' usage less the inactive page cache, which the kernel reclaims first.
func clusterMemoryMiB(api *client.Client, cluster string) (float64, error) {
	stats, err := clusterStats(api, cluster)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, s := range stats {
		used := s.MemoryStats.Usage
		if cache, ok := s.MemoryStats.Stats["total_inactive_file"]; ok && cache < used { // cgroup v1
			used -= cache
		} else if cache, ok := s.MemoryStats.Stats["inactive_file"]; ok && cache < used { // cgroup v2
			used -= cache
		}
		total += used
	}
	return float64(total) / (1 << 20), nil
}

// imageSize is an image's size as Docker reports it (uncompressed) and as `docker save
// | gzip` makes it (gzip's default level, compressed here).
func imageSize(t *testing.T, api *client.Client, ref string) *benchreport.Image {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	inspect, err := api.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := api.ImageSave(ctx, []string{ref})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var n countingWriter
	zw := gzip.NewWriter(&n)
	if _, err := io.Copy(zw, rc); err != nil {
		t.Fatalf("docker save %s: %v", ref, err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	img := &benchreport.Image{Ref: ref, Bytes: inspect.Size, GzipBytes: int64(n)}
	t.Logf("node image %s: %d MB, %d MB gzipped", ref, img.Bytes/1e6, img.GzipBytes/1e6)
	return img
}

// countingWriter counts what is written to it and keeps nothing.
type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
