package dashboard

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// page is what the layout draws around every page's content. It never holds a token.
type page struct {
	Title string
	Nav   string // the active navigation entry: a page name, "" for the overview

	HasNS      bool   // the page has a namespace selector
	NS         string // the selected namespace, "" for all
	AllNS      bool
	Namespaces []string
	NSErr      string // why the namespaces could not be listed
	Selector   string // label selector filter
	HasFilter  bool

	Self     template.URL // this page's relative URL, where actions come back to
	Here     template.URL // this page's name ("./" for the overview): the filter form's action
	SignedIn bool
	CSRF     string
	User     string
	Watch    string // kinds whose changes refresh the page's live parts, e.g. "pods,deployments"
	Flash    string
	FlashErr string
	Version  string // of the assets
	Data     any
}

// nav is the navigation, in order: page name and title.
var nav = []struct{ Path, Title string }{
	{"", "Overview"}, {"graph", "Graph"},
	{"deployments", "Deployments"}, {"replicasets", "ReplicaSets"}, {"pods", "Pods"},
	{"services", "Services"}, {"ingresses", "Ingresses"},
	{"configmaps", "ConfigMaps"}, {"secrets", "Secrets"}, {"pvcs", "PVCs"},
	{"events", "Events"}, {"nodes", "Nodes"}, {"create", "Create"},
}

// namespaceOf is the namespace a request asks for: "default" when it names none, ""
// (all namespaces) when it says ns= with nothing.
func namespaceOf(r *http.Request) string {
	q := r.URL.Query()
	if !q.Has("ns") {
		return "default"
	}
	return q.Get("ns")
}

// basePage fills in the layout's part of a page; with hasNS it lists the namespaces for
// the selector (a text field instead when they may not be listed).
func (s *Server) basePage(r *http.Request, u *user, title, navPath string, hasNS bool) *page {
	q := r.URL.Query()
	p := &page{Title: title, Nav: navPath, HasNS: hasNS, CSRF: u.csrf, User: u.name, SignedIn: true,
		Flash: q.Get("msg"), FlashErr: q.Get("err")}
	here := strings.TrimPrefix(r.URL.Path, "/")
	p.Here = template.URL(pageURL(here, nil))
	p.NS = namespaceOf(r)
	p.AllNS = p.NS == ""
	p.Selector = q.Get("l")
	q.Del("msg")
	q.Del("err")
	p.Self = template.URL(pageURL(here, q))
	if hasNS {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		list, err := u.clients.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			p.NSErr = apiMessage(err)
		} else {
			for _, n := range list.Items {
				p.Namespaces = append(p.Namespaces, n.Name)
			}
			sort.Strings(p.Namespaces)
		}
	}
	return p
}

// pageURL is the relative URL of a top-level page with a query: "./" for the overview.
func pageURL(name string, q url.Values) string {
	if name == "" {
		name = "./"
	}
	if len(q) == 0 {
		return name
	}
	return name + "?" + q.Encode()
}

// link builds a relative link from a page name and key, value pairs. Values are escaped
// here, so templates get a finished URL.
func link(name string, kv ...string) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return template.URL(pageURL(name, q))
}

// back is where an action returns to: the relative page URL the form names, or the
// overview. Anything that is not a plain relative page URL is refused, so a form cannot
// send the browser elsewhere.
func back(r *http.Request) string {
	if b := relative(r.PostFormValue("back")); b != "" {
		return b
	}
	return "./"
}

// relative is rel if it is a plain relative URL of a page (a page name or "./", then a
// query), else "". Browsers forgive much in URLs (leading blanks, backslashes), so
// anything unusual is refused rather than cleaned.
func relative(rel string) string {
	if rel == "" || strings.ContainsAny(rel, "\\ \t\r\n") || strings.Contains(rel, "..") {
		return ""
	}
	if c := rel[0]; !(c >= 'a' && c <= 'z' || c == '.') {
		return ""
	}
	u, err := url.Parse(rel)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.Contains(u.Path, "/") && u.Path != "./" {
		return ""
	}
	return rel
}

// withFlash adds a message (or an error) for the page an action returns to.
func withFlash(rel, key, msg string) string {
	u, err := url.Parse(rel)
	if err != nil {
		return rel
	}
	q := u.Query()
	q.Set(key, msg)
	u.RawQuery = q.Encode()
	return u.String()
}

var funcs = template.FuncMap{
	"link":      link,
	"forbidden": isForbiddenText,
	"nav":       func() any { return nav },
	"join":      strings.Join,
	"yamlLink":  yamlURL,
}
