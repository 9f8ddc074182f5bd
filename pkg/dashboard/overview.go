package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// overviewData is the overview page: nodes with their usage, namespaces, the health of
// each kind of workload, and the latest warnings.
type overviewData struct {
	Nodes       *table
	MetricsNote string
	Workloads   []health
	Warnings    *table
}

// health is one kind of workload summed up: "3 of 4 available".
type health struct {
	Kind  string
	Text  string
	Class string
	Href  template.URL
	Err   string
}

// maxWarnings is how many recent Warning events the overview shows.
const maxWarnings = 15

func (s *Server) overview(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Overview", "", true)
	p.Watch = "nodes,pods,deployments,events"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	now := s.opts.Now()
	d := &overviewData{}
	kube := u.clients.Kube

	nodes, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if s.refused(w, r, u, err) {
		return
	}
	if err != nil {
		d.Nodes = &table{ID: "nodes", Err: apiMessage(err)}
	} else {
		use, merr := nodeMetrics(ctx, u.clients)
		if merr != nil {
			d.MetricsNote = metricsMessage(merr)
		}
		d.Nodes = nodeTable(nodes.Items, use, now)
	}

	ns := p.NS
	if deps, err := kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{}); err != nil {
		d.Workloads = append(d.Workloads, health{Kind: "Deployments", Err: apiMessage(err)})
	} else {
		ok := 0
		for i := range deps.Items {
			if _, c := status.Deployment(&deps.Items[i]); c == status.OK || c == status.Off {
				ok++
			}
		}
		d.Workloads = append(d.Workloads, summary("Deployments", ok, len(deps.Items), "available", link("deployments", "ns", ns)))
	}
	if sts, err := kube.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{}); err != nil {
		d.Workloads = append(d.Workloads, health{Kind: "StatefulSets", Err: apiMessage(err)})
	} else {
		ok := 0
		for _, st := range sts.Items {
			if st.Status.ReadyReplicas >= replicas(st.Spec.Replicas) {
				ok++
			}
		}
		d.Workloads = append(d.Workloads, summary("StatefulSets", ok, len(sts.Items), "ready", ""))
	}
	if dss, err := kube.AppsV1().DaemonSets(ns).List(ctx, metav1.ListOptions{}); err != nil {
		d.Workloads = append(d.Workloads, health{Kind: "DaemonSets", Err: apiMessage(err)})
	} else {
		ok := 0
		for _, ds := range dss.Items {
			if ds.Status.NumberReady >= ds.Status.DesiredNumberScheduled {
				ok++
			}
		}
		d.Workloads = append(d.Workloads, summary("DaemonSets", ok, len(dss.Items), "ready", ""))
	}
	if pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		d.Workloads = append(d.Workloads, health{Kind: "Pods", Err: apiMessage(err)})
	} else {
		d.Workloads = append(d.Workloads, podHealth(pods.Items, link("pods", "ns", ns)))
	}

	evs, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "type=Warning"})
	if err != nil {
		d.Warnings = &table{Err: apiMessage(err)}
	} else {
		var warn []corev1.Event
		for _, e := range evs.Items {
			if e.Type == corev1.EventTypeWarning {
				warn = append(warn, e)
			}
		}
		d.Warnings = eventTable(warn, now, ns == "", true)
		if len(d.Warnings.Rows) > maxWarnings {
			d.Warnings.Rows = d.Warnings.Rows[:maxWarnings]
		}
		d.Warnings.Empty = "No warnings."
	}
	d.Warnings.ID = "warnings"
	p.Data = d
	s.render(w, http.StatusOK, "overview.html", p)
}

func summary(kind string, ok, total int, word string, href template.URL) health {
	h := health{Kind: kind, Text: fmt.Sprintf("%d of %d %s", ok, total, word), Class: status.OK, Href: href}
	switch {
	case total == 0:
		h.Text, h.Class = "none", status.Off
	case ok < total:
		h.Class = status.Warn
	}
	return h
}

// podHealth counts pods per status class: "5 running and ready, 1 pending, 2 failing".
func podHealth(pods []corev1.Pod, href template.URL) health {
	n := map[string]int{}
	for i := range pods {
		_, c := status.Pod(&pods[i])
		n[c]++
	}
	h := summary("Pods", n[status.OK], len(pods), "running and ready", href)
	if n[status.Warn] > 0 {
		h.Text += fmt.Sprintf(", %d starting or not ready", n[status.Warn])
	}
	if n[status.Bad] > 0 {
		h.Text += fmt.Sprintf(", %d failing", n[status.Bad])
		h.Class = status.Bad
	}
	if n[status.Done] > 0 {
		h.Text += fmt.Sprintf(", %d completed", n[status.Done])
	}
	return h
}
