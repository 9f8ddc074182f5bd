package dashboard

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The paths learners open after `kubectl proxy`: the API server's service proxy, which
// strips everything up to /proxy before the request reaches the dashboard.
var prefixes = []string{
	"/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy",
	"/api/v1/namespaces/kube-system/services/https:kubernetes-dashboard:/proxy",
	"",
}

// urlAttr finds the URLs of a page: links, scripts, styles, streams, and forms with their method.
var urlAttr = regexp.MustCompile(`(?:<form method="(get|post)")?\s(href|src|action|data-stream)="([^"]*)"`)

// serveUnder serves e's dashboard under prefix on an HTTPS test server (the cookie is
// Secure) and returns a client with a cookie jar, signed in through the real form.
func serveUnder(t *testing.T, e *env, prefix string) (*httptest.Server, *http.Client) {
	t.Helper()
	mux := http.NewServeMux()
	if prefix == "" {
		mux.Handle("/", e.srv)
	} else {
		mux.Handle(prefix+"/", http.StripPrefix(prefix, e.srv))
	}
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := srv.Client()
	c.Jar = jar
	base := srv.URL + prefix

	// Without a cookie, a page sends the browser to the sign-in page under the prefix.
	res, err := c.Get(base + "/pods?ns=default")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Request.URL.Path != prefix+"/login" {
		t.Fatalf("unsigned request ended at %s, want %s/login", res.Request.URL.Path, prefix)
	}
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", body)
	}
	// The form's action is relative: post to where the browser would.
	res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "token": {testToken}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != prefix+"/" {
		t.Fatalf("sign-in ended at %s with %d, want the overview at %s/", res.Request.URL.Path, res.StatusCode, prefix)
	}
	return srv, c
}

func TestWorksUnderAnyPrefix(t *testing.T) {
	pages := []string{"/", "/pods?ns=default", "/pods?ns=", "/deployments", "/deployment?ns=default&name=web",
		"/pod?ns=default&name=web-c-1", "/service?ns=default&name=web", "/secret?ns=default&name=db",
		"/configmap?ns=default&name=settings", "/yaml?r=apps/v1/deployments&ns=default&name=web",
		"/graph?ns=default", "/create", "/nodes", "/events"}
	for _, prefix := range prefixes {
		t.Run("prefix="+prefix, func(t *testing.T) {
			e := fullEnv(t)
			srv, c := serveUnder(t, e, prefix)
			base := srv.URL + prefix
			u, _ := url.Parse(base + "/")
			if got := c.Jar.Cookies(u); len(got) != 1 || got[0].Name != tokenCookie {
				t.Fatalf("cookies for %s: %v", u, got)
			}
			if prefix != "" {
				other, _ := url.Parse(srv.URL + "/api/v1/namespaces/default/services/http:web:/proxy/")
				if got := c.Jar.Cookies(other); len(got) != 0 {
					t.Errorf("the token cookie is sent outside the dashboard's prefix: %v", got)
				}
			}
			checked := map[string]bool{}
			for _, page := range pages {
				pageURL, _ := url.Parse(base + page)
				res, err := c.Get(pageURL.String())
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s: %d", page, res.StatusCode)
					continue
				}
				for _, m := range urlAttr.FindAllStringSubmatch(string(b), -1) {
					attr, ref := m[2], html.UnescapeString(m[3])
					if attr == "action" {
						attr += " " + m[1]
					}
					if ref == "data:," {
						continue // no favicon request
					}
					if strings.HasPrefix(ref, "/") || strings.Contains(ref, "//") || strings.Contains(ref, ":") && !strings.Contains(ref, "?") {
						t.Errorf("%s: %s=%q is not a relative URL", page, attr, ref)
						continue
					}
					r, err := url.Parse(ref)
					if err != nil {
						t.Errorf("%s: %s=%q: %v", page, attr, ref, err)
						continue
					}
					abs := pageURL.ResolveReference(r)
					if !strings.HasPrefix(abs.Path, prefix+"/") {
						t.Errorf("%s: %s=%q resolves outside the prefix: %s", page, attr, ref, abs.Path)
						continue
					}
					key := attr + " " + abs.String()
					if checked[key] {
						continue
					}
					checked[key] = true
					checkTarget(t, c, page, attr, abs)
				}
			}
			if len(checked) < 40 {
				t.Errorf("only %d distinct links, forms and streams were found and followed", len(checked))
			}
		})
	}
}

// checkTarget makes sure a link, form or stream of a page reaches a handler.
func checkTarget(t *testing.T, c *http.Client, page, attr string, abs *url.URL) {
	t.Helper()
	var res *http.Response
	var err error
	switch attr {
	case "action get":
		res, err = c.Get(abs.String())
		if err == nil && res.StatusCode != http.StatusOK {
			t.Errorf("%s: form action %s answered %d", page, abs.Path, res.StatusCode)
		}
	case "action post":
		// Without the CSRF value the handler refuses; a missing route would say 404 or 405.
		res, err = c.PostForm(abs.String(), url.Values{"back": {"./"}})
		if err == nil && res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: form action %s answered %d, want 403 from its handler", page, abs.Path, res.StatusCode)
		}
	case "data-stream":
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, abs.String(), nil)
		res, err = c.Do(req)
		if err == nil && (res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream") {
			t.Errorf("%s: stream %s answered %d %s", page, abs, res.StatusCode, res.Header.Get("Content-Type"))
		}
	default:
		res, err = c.Get(abs.String())
		if err == nil && res.StatusCode != http.StatusOK {
			t.Errorf("%s: %s %s answered %d", page, attr, abs, res.StatusCode)
		}
	}
	if err != nil {
		t.Errorf("%s: %s %s: %v", page, attr, abs, err)
		return
	}
	res.Body.Close()
}

// The scripts build their URLs relative to the page too.
func TestScriptsUseRelativeURLs(t *testing.T) {
	abs := regexp.MustCompile("(fetch|EventSource)\\(\\s*[\"'`]/|location\\.href\\s*=\\s*[\"'`]/")
	for _, f := range []string{"static/app.js", "static/graph.js"} {
		b, err := assets.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := abs.Find(b); m != nil {
			t.Errorf("%s uses an absolute URL: %s", f, m)
		}
		for _, want := range []string{`"api/`, `"login`} {
			if f == "static/app.js" && !strings.Contains(string(b), want) {
				t.Errorf("%s lacks its relative URL %s...", f, want)
			}
		}
	}
}
