package dashboard

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

func listServices(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.CoreV1().Services(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	// Ready endpoints per Service, from the EndpointSlices; "?" if they may not be read.
	ready := map[string]int{}
	slices, sliceErr := c.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{})
	if sliceErr == nil {
		for _, sl := range slices.Items {
			svc := sl.Labels[discoveryv1.LabelServiceName]
			for _, e := range sl.Endpoints {
				if e.Conditions.Ready == nil || *e.Conditions.Ready {
					ready[sl.Namespace+"/"+svc] += len(e.Addresses)
				}
			}
		}
	}
	svcs := l.Items
	sort.Slice(svcs, func(i, j int) bool { return key(&svcs[i].ObjectMeta) < key(&svcs[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Type", "Cluster IP", "Ports", "External", "Endpoints", "Selector", "Age"}, Empty: "No Services."}
	var nss []string
	for i := range svcs {
		s := &svcs[i]
		eps := cell{Text: fmt.Sprint(ready[s.Namespace+"/"+s.Name])}
		switch {
		case sliceErr != nil:
			eps = cell{Text: "?", Title: apiMessage(sliceErr)}
		case s.Spec.Type == corev1.ServiceTypeExternalName:
			eps = cell{Text: "-"}
		case eps.Text == "0":
			eps.Class = status.Off
		}
		t.Rows = append(t.Rows, row{Test: "service-row", Name: s.Name, Cells: []cell{
			{Text: s.Name, Href: link("service", "ns", s.Namespace, "name", s.Name)},
			{Text: string(s.Spec.Type)},
			{Text: s.Spec.ClusterIP, Mono: true},
			{Text: servicePorts(s), Mono: true},
			{Text: external(s), Mono: true},
			eps,
			{Text: labels.Set(s.Spec.Selector).String(), Mono: true},
			{Text: status.Age(s.CreationTimestamp, now)},
		}})
		nss = append(nss, s.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

// servicePorts prints ports the way kubectl does: 80/TCP, or 80:30080/TCP with a NodePort.
func servicePorts(s *corev1.Service) string {
	var out []string
	for _, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
		} else {
			out = append(out, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
		}
	}
	return strings.Join(out, ", ")
}

func external(s *corev1.Service) string {
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return s.Spec.ExternalName
	}
	out := append([]string(nil), s.Spec.ExternalIPs...)
	for _, in := range s.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			out = append(out, in.IP)
		} else if in.Hostname != "" {
			out = append(out, in.Hostname)
		}
	}
	return strings.Join(out, ", ")
}

func listIngresses(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error) {
	l, err := c.Kube.NetworkingV1().Ingresses(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	ins := l.Items
	sort.Slice(ins, func(i, j int) bool { return key(&ins[i].ObjectMeta) < key(&ins[j].ObjectMeta) })
	t := &table{Headers: []string{"Name", "Class", "Routes", "Address", "Age"}, Empty: "No Ingresses."}
	var nss []string
	for i := range ins {
		in := &ins[i]
		class := ""
		if in.Spec.IngressClassName != nil {
			class = *in.Spec.IngressClassName
		}
		var addrs []string
		for _, a := range in.Status.LoadBalancer.Ingress {
			addrs = append(addrs, a.IP+a.Hostname)
		}
		t.Rows = append(t.Rows, row{Test: "ingress-row", Name: in.Name, Cells: []cell{
			{Text: in.Name, Href: yamlURL("networking.k8s.io/v1/ingresses", in.Namespace, in.Name)},
			{Text: class},
			{Text: strings.Join(ingressRoutes(in), "\n"), Mono: true},
			{Text: strings.Join(addrs, ", "), Mono: true},
			{Text: status.Age(in.CreationTimestamp, now)},
		}})
		nss = append(nss, in.Namespace)
	}
	return withNamespace(t, ns == "", nss), nil
}

// ingressRoutes lists an Ingress's routes as "host/path → service:port".
func ingressRoutes(in *networkingv1.Ingress) []string {
	backend := func(b networkingv1.IngressBackend) string {
		if b.Service == nil {
			return "(resource)"
		}
		if b.Service.Port.Name != "" {
			return b.Service.Name + ":" + b.Service.Port.Name
		}
		return fmt.Sprintf("%s:%d", b.Service.Name, b.Service.Port.Number)
	}
	var out []string
	if in.Spec.DefaultBackend != nil {
		out = append(out, "* → "+backend(*in.Spec.DefaultBackend))
	}
	for _, r := range in.Spec.Rules {
		host := r.Host
		if host == "" {
			host = "*"
		}
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			out = append(out, host+p.Path+" → "+backend(p.Backend))
		}
	}
	return out
}

// endpointTable lists the addresses of a Service's EndpointSlices: what kube-proxy
// sends the Service's traffic to.
func endpointTable(slices []discoveryv1.EndpointSlice) *table {
	t := &table{ID: "endpoints", Headers: []string{"Address", "Ready", "Pod", "Node", "Ports", "Slice"},
		Empty: "No endpoints: no ready pod matches the Service's selector."}
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	for _, sl := range slices {
		var ports []string
		for _, p := range sl.Ports {
			name := ""
			if p.Name != nil && *p.Name != "" {
				name = *p.Name + " "
			}
			if p.Port != nil {
				ports = append(ports, fmt.Sprintf("%s%d", name, *p.Port))
			}
		}
		for _, e := range sl.Endpoints {
			ready, class := "yes", status.OK
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				ready, class = "no", status.Warn
			}
			pod := cell{}
			if e.TargetRef != nil && e.TargetRef.Kind == "Pod" {
				pod = cell{Text: e.TargetRef.Name, Href: link("pod", "ns", sl.Namespace, "name", e.TargetRef.Name)}
			}
			node := ""
			if e.NodeName != nil {
				node = *e.NodeName
			}
			t.Rows = append(t.Rows, row{Test: "endpoint-row", Name: strings.Join(e.Addresses, ","), Cells: []cell{
				{Text: strings.Join(e.Addresses, ", "), Mono: true}, {Text: ready, Class: class}, pod,
				{Text: node}, {Text: strings.Join(ports, ", "), Mono: true}, {Text: sl.Name},
			}})
		}
	}
	return t
}
