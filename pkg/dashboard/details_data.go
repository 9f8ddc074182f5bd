package dashboard

import (
	"context"
	"net/http"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubelab/kubelab/pkg/dashboard/status"
)

// entry is one key of a ConfigMap or Secret.
type entry struct {
	Key    string
	Value  string
	Size   int
	Binary bool
}

// dataData is the ConfigMap page and the Secret page.
type dataData struct {
	Kind, Name, Namespace string
	Err                   string
	Type                  string
	Age                   string
	Entries               []entry
	Hidden                bool // a Secret's values are not shown until asked for
	Delete                deleteForm
}

func (s *Server) configMapPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "ConfigMap", "configmaps", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	p.Title, p.Watch = "ConfigMap "+name, "configmaps"
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	d := &dataData{Kind: "ConfigMap", Name: name, Namespace: ns}
	p.Data = d
	cm, err := u.clients.Kube.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "data.html", p)
		return
	}
	d.Age = status.Age(cm.CreationTimestamp, s.opts.Now())
	for _, k := range sortedKeys(cm.Data) {
		d.Entries = append(d.Entries, entry{Key: k, Value: cm.Data[k], Size: len(cm.Data[k])})
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		d.Entries = append(d.Entries, entry{Key: k, Size: len(cm.BinaryData[k]), Binary: true})
	}
	d.Delete = deleteForm{R: "v1/configmaps", NS: ns, Name: name, What: "ConfigMap " + name, Then: link("configmaps", "ns", ns), CSRF: u.csrf, Back: p.Self}
	s.render(w, http.StatusOK, "data.html", p)
}

// secretPage shows a Secret's keys and sizes; its values, decoded, only with ?reveal=1.
func (s *Server) secretPage(w http.ResponseWriter, r *http.Request, u *user) {
	p := s.basePage(r, u, "Secret", "secrets", false)
	ns, name, ok := s.target(w, r, p)
	if !ok {
		return
	}
	p.Title = "Secret " + name
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	d := &dataData{Kind: "Secret", Name: name, Namespace: ns, Hidden: r.URL.Query().Get("reveal") == ""}
	p.Data = d
	sec, err := u.clients.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if s.refused(w, r, u, err) {
			return
		}
		d.Err = apiMessage(err)
		s.render(w, apiStatus(err), "data.html", p)
		return
	}
	d.Type, d.Age = string(sec.Type), status.Age(sec.CreationTimestamp, s.opts.Now())
	for _, k := range sortedKeys(sec.Data) {
		v := sec.Data[k]
		e := entry{Key: k, Size: len(v), Binary: !utf8.Valid(v)}
		if !d.Hidden && !e.Binary {
			e.Value = string(v)
		}
		d.Entries = append(d.Entries, e)
	}
	d.Delete = deleteForm{R: "v1/secrets", NS: ns, Name: name, What: "Secret " + name, Then: link("secrets", "ns", ns), CSRF: u.csrf, Back: p.Self}
	s.render(w, http.StatusOK, "data.html", p)
}
