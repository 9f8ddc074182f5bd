package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// yamlData is the YAML page of any object.
type yamlData struct {
	R, NS, Name string
	Kind        string
	YAML        string
	Err         string
	Hidden      bool // a Secret's data is masked until asked for
	Delete      deleteForm
}

// yamlURL is the relative link to the YAML page of an object; r is group/version/resource.
func yamlURL(r, ns, name string) template.URL { return link("yaml", "r", r, "ns", ns, "name", name) }

var resourcePart = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// parseResource reads "apps/v1/deployments" or "v1/pods" (the core group).
func parseResource(r string) (schema.GroupVersionResource, error) {
	parts := strings.Split(r, "/")
	for _, p := range parts {
		if !resourcePart.MatchString(p) {
			parts = nil
		}
	}
	switch len(parts) {
	case 2:
		return schema.GroupVersionResource{Version: parts[0], Resource: parts[1]}, nil
	case 3:
		return schema.GroupVersionResource{Group: parts[0], Version: parts[1], Resource: parts[2]}, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("bad resource %q: want group/version/resource, such as apps/v1/deployments or v1/pods", r)
}

// clusterScoped are the cluster-wide resources the dashboard links to or is asked for
// most; they are read without a namespace.
var clusterScoped = map[string]bool{
	"nodes": true, "namespaces": true, "persistentvolumes": true, "storageclasses": true,
	"clusterroles": true, "clusterrolebindings": true, "ingressclasses": true,
	"customresourcedefinitions": true, "priorityclasses": true, "apiservices": true,
}

// resourceClient is the dynamic client of a resource in a namespace (none if cluster-scoped).
func resourceClient(d dynamic.Interface, gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" || clusterScoped[gvr.Resource] {
		return d.Resource(gvr)
	}
	return d.Resource(gvr).Namespace(ns)
}

func (s *Server) yamlPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "YAML", "", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &yamlData{R: q.Get("r"), NS: ns, Name: name}
	p.Data = d
	p.Title = d.R + " " + name
	gvr, err := parseResource(d.R)
	if err != nil {
		d.Err = err.Error()
		s.render(w, http.StatusBadRequest, "yaml.html", p)
		return
	}
	if clusterScoped[gvr.Resource] {
		d.NS = ""
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	obj, err := resourceClient(u.clients.Dynamic, gvr, d.NS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "yaml.html", p)
		return
	}
	d.Kind = obj.GetKind()
	p.Title = d.Kind + " " + name
	unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
	if gvr.Group == "" && gvr.Resource == "secrets" && q.Get("reveal") == "" {
		d.Hidden = true
		if data, ok := obj.Object["data"].(map[string]any); ok {
			for k := range data {
				data[k] = "(hidden)"
			}
		}
	}
	b, err := yaml.Marshal(obj.Object)
	if err != nil {
		d.Err = err.Error()
	}
	d.YAML = string(b)
	d.Delete = deleteForm{R: d.R, NS: d.NS, Name: name, What: strings.ToLower(d.Kind) + " " + name, Then: "./", CSRF: u.csrf, Back: p.Self}
	s.render(w, http.StatusOK, "yaml.html", p)
}
