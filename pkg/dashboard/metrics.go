package dashboard

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// nodeMetricsResource is metrics-server's API: the current CPU and memory use of nodes.
var nodeMetricsResource = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "nodes"}

// usage is what a node uses now.
type usage struct{ cpu, mem resource.Quantity }

// nodeMetrics reads every node's usage from the metrics.k8s.io API. It is read as
// unstructured data, so the dashboard needs no metrics client library.
func nodeMetrics(ctx context.Context, c *Clients) (map[string]usage, error) {
	l, err := c.Dynamic.Resource(nodeMetricsResource).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]usage{}
	for _, it := range l.Items {
		cpu, _, _ := unstructured.NestedString(it.Object, "usage", "cpu")
		mem, _, _ := unstructured.NestedString(it.Object, "usage", "memory")
		var u usage
		if q, err := resource.ParseQuantity(cpu); err == nil {
			u.cpu = q
		}
		if q, err := resource.ParseQuantity(mem); err == nil {
			u.mem = q
		}
		out[it.GetName()] = u
	}
	return out, nil
}

// metricsMessage says, in place of the usage figures, why there are none.
func metricsMessage(err error) string {
	switch {
	case apierrors.IsNotFound(err):
		return "No usage figures: metrics-server is not installed (the metrics.k8s.io API is not served)."
	case apierrors.IsServiceUnavailable(err):
		return "No usage figures yet: metrics-server is not ready (" + apiMessage(err) + ")."
	case apierrors.IsForbidden(err):
		return apiMessage(err)
	}
	return "No usage figures: " + apiMessage(err)
}
