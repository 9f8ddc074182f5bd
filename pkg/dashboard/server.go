// Package dashboard is kubelab's learner dashboard: a web UI that shows how a cluster's
// objects relate, live. It owns the HTTP handlers (sign-in with a bearer token kept only in
// a cookie, lists, details, actions, the namespace graph, log streams), the embedded pages
// and assets, the self-signed serving certificate, and the TCP relay behind the kube-system entrance.
//
// Every URL the UI uses is relative and every page sits at the top level, so it works at
// "/" and under any prefix, e.g. the API server's service proxy path after `kubectl proxy`.
// Every Kubernetes call on a user's behalf uses only that user's token (see clients.go).
package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net/http"
	"strings"
	"time"
)

//go:embed templates static
var assets embed.FS

// maxSessions bounds the cached clients: a learner's cluster has a few users, and each
// cached clientset costs memory in a pod that should stay within a few tens of MiB.
const maxSessions = 16

// Options configure a Server.
type Options struct {
	// Clients builds a user's API clients from their token (TokenClients in a cluster).
	Clients ClientFactory
	// Log receives one line per request and the errors worth a look; it never sees a token.
	// Nil logs to the standard logger.
	Log *log.Logger
	// Now is the clock for ages and cookie expiry; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each API call of a page; 0 means 15s.
	Timeout time.Duration
}

// Server is the dashboard's HTTP handler.
type Server struct {
	opts    Options
	log     *log.Logger
	clients *clientCache
	key     []byte // signs CSRF tokens; new at every start
	pages   map[string]*template.Template
	version string // of the embedded assets, to bust browser caches
	mux     *http.ServeMux
}

// New builds a Server.
func New(opts Options) (*Server, error) {
	if opts.Clients == nil {
		return nil, fmt.Errorf("dashboard: no client factory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = 15 * time.Second
	}
	s := &Server{opts: opts, log: opts.Log, clients: newClientCache(opts.Clients, maxSessions), key: make([]byte, 32)}
	if s.log == nil {
		s.log = log.Default()
	}
	if _, err := rand.Read(s.key); err != nil {
		return nil, err
	}
	var err error
	if s.version, err = assetsVersion(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.authed(s.logout))

	m.HandleFunc("GET /{$}", s.authed(s.overview))
	for name := range lists {
		m.HandleFunc("GET /"+name, s.authed(s.list))
	}
	m.HandleFunc("GET /pod", s.authed(s.podPage))
	m.HandleFunc("GET /deployment", s.authed(s.deploymentPage))
	m.HandleFunc("GET /service", s.authed(s.servicePage))
	m.HandleFunc("GET /configmap", s.authed(s.configMapPage))
	m.HandleFunc("GET /secret", s.authed(s.secretPage))
	m.HandleFunc("GET /yaml", s.authed(s.yamlPage))
	m.HandleFunc("GET /graph", s.authed(s.graphPage))
	m.HandleFunc("GET /create", s.authed(s.createPage))

	m.HandleFunc("POST /create", s.authed(s.csrf(s.create)))
	m.HandleFunc("POST /scale", s.authed(s.csrf(s.scale)))
	m.HandleFunc("POST /restart", s.authed(s.csrf(s.restart)))
	m.HandleFunc("POST /rollback", s.authed(s.csrf(s.rollback)))
	m.HandleFunc("POST /delete", s.authed(s.csrf(s.delete)))

	m.HandleFunc("GET /api/watch", s.authed(s.watchStream))
	m.HandleFunc("GET /api/graph", s.authed(s.graphStream))
	m.HandleFunc("GET /api/logs", s.authed(s.logStream))
	s.mux = m
}

// ServeHTTP serves the dashboard with security headers, and logs each request by method,
// path and status: never its query, cookies or body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	h := w.Header()
	// Everything the pages load comes from the dashboard itself, relative to the page.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	if r.URL.Path != "/healthz" {
		s.log.Printf("%s %s %d %s", r.Method, r.URL.Path, rec.status, s.opts.Now().Sub(start).Round(time.Millisecond))
	}
}

// recorder remembers the status for the log; Unwrap lets http.ResponseController flush
// server-sent events through it.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// staticFiles lets browsers keep the assets: their URLs carry the assets' version.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

func assetsVersion() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// parsePages parses each page together with the layout and the shared parts.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/parts.html", n)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page with the given status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	t := s.pages[name]
	if t == nil {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	p.Version = s.version
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Printf("render %s: %v", name, err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

// seeOther redirects to a relative URL. http.Redirect would make it absolute against the
// path this server sees, which lacks the prefix of a proxy in front; a browser resolves a
// relative Location against the URL it asked for, prefix included.
func seeOther(w http.ResponseWriter, rel string) {
	w.Header().Set("Location", rel)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}
