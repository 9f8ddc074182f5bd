package dashboard

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// table is a list of objects as the templates draw it; Err replaces the rows when the
// list could not be read ("forbidden: ...").
type table struct {
	ID      string // element id, also the live region's id
	Headers []string
	Rows    []row
	Err     string
	Empty   string // shown when there are no rows
	Note    string // a remark over the rows, e.g. why usage columns are empty
}

type row struct {
	Test  string // data-test of the row, e.g. "pod-row"
	Name  string // data-name: the object's name
	Cells []cell
}

type cell struct {
	Text  string
	Href  template.URL // relative link, if any
	Class string       // a status class: ok, warn, bad, done, off
	Title string       // tooltip
	Mono  bool         // addresses, images: fixed-width
}

// listFunc reads one kind in a namespace ("" for all) and makes its table.
type listFunc func(ctx context.Context, c *Clients, ns string, opts metav1.ListOptions, now time.Time) (*table, error)

type listDef struct {
	title   string
	watch   string // kinds whose changes refresh the list
	cluster bool   // cluster-scoped: no namespace selector
	read    listFunc
}

// lists are the list pages, by page name.
var lists = map[string]listDef{
	"deployments": {"Deployments", "deployments", false, listDeployments},
	"replicasets": {"ReplicaSets", "replicasets", false, listReplicaSets},
	"pods":        {"Pods", "pods", false, listPods},
	"services":    {"Services", "services,endpointslices", false, listServices},
	"ingresses":   {"Ingresses", "ingresses", false, listIngresses},
	"configmaps":  {"ConfigMaps", "configmaps", false, listConfigMaps},
	"secrets":     {"Secrets", "secrets", false, listSecrets},
	"pvcs":        {"PersistentVolumeClaims", "pvcs", false, listPVCs},
	"events":      {"Events", "events", false, listEvents},
	"nodes":       {"Nodes", "nodes", true, listNodes},
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, u *user) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	def := lists[name]
	p := s.basePage(r, u, def.title, name, !def.cluster)
	p.HasFilter, p.Watch = true, def.watch
	ns := p.NS
	if def.cluster {
		ns = ""
	}
	var t *table
	if _, err := labels.Parse(p.Selector); err != nil {
		t = &table{Err: "bad label selector: " + err.Error()}
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		t, err = def.read(ctx, u.clients, ns, metav1.ListOptions{LabelSelector: p.Selector}, s.opts.Now())
		if err != nil {
			if s.refused(w, r, u, err) {
				return
			}
			t = &table{Err: apiMessage(err)}
		}
	}
	t.ID = "list"
	p.Data = t
	s.render(w, http.StatusOK, "list.html", p)
}

// withNamespace puts a Namespace column first when the table shows all namespaces.
func withNamespace(t *table, allNS bool, namespaces []string) *table {
	if !allNS {
		return t
	}
	t.Headers = append([]string{"Namespace"}, t.Headers...)
	for i := range t.Rows {
		t.Rows[i].Cells = append([]cell{{Text: namespaces[i]}}, t.Rows[i].Cells...)
	}
	return t
}
