package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/restmapper"
)

// maxManifest bounds what the create form accepts.
const maxManifest = 1 << 20

// createData is the create page: the YAML as typed, and what became of it.
type createData struct {
	YAML    string
	NS      string   // where objects without a namespace go
	Created []string // "deployment.apps/web created"
	Errors  []string // nothing was created when these are set (unless Created says otherwise)
}

func (s *Server) createPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Create from YAML", "create", true)
	ns := p.NS
	if ns == "" {
		ns = "default"
	}
	p.Data = &createData{NS: ns}
	s.render(w, http.StatusOK, "create.html", p)
}

// doc is one object of a manifest, mapped to its resource.
type doc struct {
	n    int // 1-based position in the manifest
	obj  *unstructured.Unstructured
	gvr  schema.GroupVersionResource
	ns   string // "" for cluster-scoped
	name string // for messages: "deployment.apps/web"
}

// create makes the objects of a multi-document YAML manifest: all of them or none. Every
// document is parsed, mapped to its resource and created with a server-side dry run (the
// API server validates and runs admission) before any is created for real.
func (s *Server) create(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Create from YAML", "create", true)
	text := r.PostFormValue("yaml")
	d := &createData{YAML: text, NS: r.PostFormValue("ns")}
	if d.NS == "" {
		d.NS = "default"
	}
	p.Data = d
	ctx, cancel := context.WithTimeout(r.Context(), 2*s.opts.Timeout)
	defer cancel()
	docs, errs := s.prepare(ctx, u.clients, text, d.NS)
	if len(errs) == 0 {
		errs = dryRun(ctx, u.clients, docs)
	}
	if len(errs) > 0 {
		for _, err := range errs {
			if s.refused(w, r, u, err) {
				return
			}
			d.Errors = append(d.Errors, createMessage(err))
		}
		d.Errors = append(d.Errors, "Nothing was created.")
		s.render(w, http.StatusBadRequest, "create.html", p)
		return
	}
	for _, doc := range docs {
		if _, err := resourceClient(u.clients.Dynamic, doc.gvr, doc.ns).Create(ctx, doc.obj, metav1.CreateOptions{FieldManager: "kubelab-dashboard"}); err != nil {
			d.Errors = append(d.Errors, fmt.Sprintf("document %d (%s): %s", doc.n, doc.name, apiMessage(err)))
			s.render(w, apiStatus(err), "create.html", p)
			return
		}
		d.Created = append(d.Created, doc.name+" created")
	}
	d.YAML = ""
	s.render(w, http.StatusOK, "create.html", p)
}

// docError is a problem with one document of the manifest.
type docError struct {
	n    int
	name string
	err  error
}

func (e docError) Error() string {
	if e.name != "" {
		return fmt.Sprintf("document %d (%s): %s", e.n, e.name, apiMessage(e.err))
	}
	return fmt.Sprintf("document %d: %s", e.n, apiMessage(e.err))
}

func (e docError) Unwrap() error { return e.err }

func createMessage(err error) string {
	var de docError
	if errors.As(err, &de) {
		return de.Error()
	}
	return apiMessage(err)
}

// prepare parses every document and finds its resource; it reports every problem found.
func (s *Server) prepare(ctx context.Context, c *Clients, text string, defaultNS string) ([]doc, []error) {
	if len(text) > maxManifest {
		return nil, []error{fmt.Errorf("the manifest is larger than %d bytes", maxManifest)}
	}
	var objs []*unstructured.Unstructured
	var errs []error
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(text)), 4096)
	for n := 1; ; n++ {
		var m map[string]any
		err := dec.Decode(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			// The decoder cannot resync after a syntax error: stop here.
			return nil, append(errs, docError{n: n, err: fmt.Errorf("not valid YAML: %v", err)})
		}
		if m == nil {
			n-- // an empty document, e.g. a leading "---"
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	if len(objs) == 0 {
		return nil, []error{errors.New("paste at least one object (YAML or JSON)")}
	}
	groups, err := restmapper.GetAPIGroupResources(c.Kube.Discovery())
	if err != nil {
		return nil, []error{fmt.Errorf("cannot list the API's resources: %w", err)}
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	var docs []doc
	for i, o := range objs {
		n := i + 1
		gvk := o.GroupVersionKind()
		switch {
		case o.GetAPIVersion() == "" || gvk.Kind == "":
			errs = append(errs, docError{n: n, err: errors.New("apiVersion and kind are required")})
			continue
		case o.GetName() == "" && o.GetGenerateName() == "":
			errs = append(errs, docError{n: n, name: gvk.Kind, err: errors.New("metadata.name is required")})
			continue
		}
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			errs = append(errs, docError{n: n, name: gvk.Kind, err: fmt.Errorf("the API server has no kind %s in %s", gvk.Kind, o.GetAPIVersion())})
			continue
		}
		d := doc{n: n, obj: o, gvr: m.Resource}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			if o.GetNamespace() == "" {
				o.SetNamespace(defaultNS)
			}
			d.ns = o.GetNamespace()
		} else {
			o.SetNamespace("")
		}
		// As kubectl names them: deployment.apps/web.
		d.name = strings.ToLower(gvk.Kind)
		if gvk.Group != "" {
			d.name += "." + gvk.Group
		}
		d.name += "/" + o.GetName()
		docs = append(docs, d)
	}
	return docs, errs
}

// dryRun creates every document with dryRun=All. A document in a namespace that an
// earlier document creates cannot be checked before that namespace exists; the API
// server's answer for it is taken as fine.
func dryRun(ctx context.Context, c *Clients, docs []doc) []error {
	var errs []error
	newNS := map[string]bool{}
	for _, d := range docs {
		_, err := resourceClient(c.Dynamic, d.gvr, d.ns).Create(ctx, d.obj.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "kubelab-dashboard"})
		if d.gvr.Group == "" && d.gvr.Resource == "namespaces" {
			newNS[d.obj.GetName()] = true
		}
		if err != nil && !(apierrors.IsNotFound(err) && newNS[d.ns]) {
			errs = append(errs, docError{n: d.n, name: d.name, err: err})
		}
	}
	return errs
}
