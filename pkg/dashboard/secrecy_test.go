package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// The bearer token goes into the cookie at sign-in and nowhere else: no page, answer,
// header or log line carries it, whatever happens.
func TestTokenNeverLeaks(t *testing.T) {
	e := fullEnv(t)
	// Part of the signature is enough to give the token away.
	secret := testToken[strings.LastIndex(testToken, ".")+1:]

	check := func(what, text string) {
		t.Helper()
		if strings.Contains(text, secret) {
			t.Errorf("%s shows the token", what)
		}
	}
	for _, p := range []string{"/", "/pods", "/pods?ns=", "/deployments", "/deployment?ns=default&name=web", "/pod?ns=default&name=web-c-1",
		"/service?ns=default&name=web", "/secret?ns=default&name=db&reveal=1", "/yaml?r=v1/pods&ns=default&name=web-c-1",
		"/graph", "/create", "/nodes", "/events", "/login", "/nope", "/pod?ns=default&name=gone"} {
		w := e.request(http.MethodGet, p, nil)
		for k, v := range w.Header() {
			check("GET "+p+" header "+k, strings.Join(v, " "))
		}
		check("GET "+p, w.Body.String())
	}
	for path, f := range map[string]url.Values{
		"/scale":    form("ns", "default", "name", "web", "replicas", "2"),
		"/restart":  form("ns", "default", "name", "nope"),
		"/rollback": form("ns", "default", "name", "web", "revision", "1"),
		"/delete":   form("r", "v1/pods", "ns", "default", "name", "gone"),
		"/create":   {"yaml": {"kind: [broken"}},
	} {
		for _, accept := range []string{"", "application/json"} {
			w := e.request(http.MethodPost, path, f, "Accept", accept)
			check("POST "+path, w.Body.String())
			for k, v := range w.Header() {
				check("POST "+path+" header "+k, strings.Join(v, " "))
			}
		}
	}
	ev := openStream(t, e, "/api/graph?ns=default")
	check("the graph stream", next(t, ev, "graph"))

	// A token the API server refuses is not echoed back either.
	e.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewUnauthorized("Unauthorized")
	})
	w := signIn(t, e, testToken)
	check("the refused sign-in page", w.Body.String())
	if c, _ := cookieNamed(w, tokenCookie); c != nil {
		t.Error("a refused token was set as a cookie")
	}

	logs := e.logs.String()
	check("the log", logs)
	if !strings.Contains(logs, "GET /deployment 200") || !strings.Contains(logs, "POST /scale 303") {
		t.Errorf("the log lacks request lines:\n%s", logs)
	}
	if strings.Contains(logs, "ns=default") {
		t.Errorf("the log carries queries:\n%s", logs)
	}
}
