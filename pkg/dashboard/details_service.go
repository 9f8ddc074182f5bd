package dashboard

import (
	"context"
	"fmt"
	"net/http"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// serviceData is the Service page.
type serviceData struct {
	Name, Namespace string
	Err             string
	Type, ClusterIP string
	External        string
	Selector        string
	Age             string
	Ports           *table
	Endpoints       *table
	Pods            *table
	NodePorts       []int32
	Delete          deleteForm
}

func (s *Server) servicePage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Service", "services", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	p.Title, p.Watch = "Service "+name, "services,endpointslices,pods"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	d := &serviceData{Name: name, Namespace: ns}
	p.Data = d
	svc, err := u.clients.Kube.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "service.html", p)
		return
	}
	now := s.opts.Now()
	d.Type, d.ClusterIP, d.External = string(svc.Spec.Type), svc.Spec.ClusterIP, external(svc)
	d.Selector = labels.Set(svc.Spec.Selector).String()
	d.Age = status.Age(svc.CreationTimestamp, now)
	d.Ports = &table{ID: "ports", Headers: []string{"Name", "Port", "Target port", "NodePort", "Protocol"}}
	for _, sp := range svc.Spec.Ports {
		np := ""
		if sp.NodePort != 0 {
			np = fmt.Sprint(sp.NodePort)
			d.NodePorts = append(d.NodePorts, sp.NodePort)
		}
		d.Ports.Rows = append(d.Ports.Rows, row{Test: "port-row", Name: sp.Name, Cells: []cell{
			{Text: sp.Name}, {Text: fmt.Sprint(sp.Port), Mono: true}, {Text: sp.TargetPort.String(), Mono: true},
			{Text: np, Mono: true}, {Text: string(sp.Protocol)},
		}})
	}
	slices, err := u.clients.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
		LabelSelector: labels.Set{discoveryv1.LabelServiceName: name}.String()})
	if err != nil {
		d.Endpoints = &table{ID: "endpoints", Err: apiMessage(err)}
	} else {
		var mine []discoveryv1.EndpointSlice
		for _, sl := range slices.Items {
			if sl.Labels[discoveryv1.LabelServiceName] == name {
				mine = append(mine, sl)
			}
		}
		d.Endpoints = endpointTable(mine)
	}
	if len(svc.Spec.Selector) > 0 {
		pods, err := u.clients.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: d.Selector})
		if err != nil {
			d.Pods = &table{Err: apiMessage(err)}
		} else {
			d.Pods = podTable(pods.Items, now, false)
			d.Pods.Empty = "No pod has the labels " + d.Selector + "."
		}
	} else {
		d.Pods = &table{Empty: "This Service has no selector: its endpoints are managed by hand."}
	}
	d.Pods.ID = "pods"
	d.Delete = deleteForm{R: "v1/services", NS: ns, Name: name, What: "Service " + name, Then: link("services", "ns", ns), CSRF: u.csrf, Back: p.Self}
	s.render(w, http.StatusOK, "service.html", p)
}
