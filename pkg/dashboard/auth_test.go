package dashboard

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn walks the sign-in form with token: GET /login, then POST it back with the
// form's login-CSRF value and cookie. It returns the POST's answer.
func signIn(t *testing.T, e *env, token string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /login: %d", w.Code)
	}
	m := csrfField.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("the sign-in form has no csrf field:\n%s", w.Body)
	}
	form := url.Values{"csrf": {m[1]}, "token": {"  " + token + "\n"}}
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	w = httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

func cookieNamed(w *httptest.ResponseRecorder, name string) (*http.Cookie, string) {
	for _, raw := range w.Result().Header.Values("Set-Cookie") {
		if strings.HasPrefix(raw, name+"=") {
			c, err := http.ParseSetCookie(raw)
			if err != nil {
				return nil, raw
			}
			return c, raw
		}
	}
	return nil, ""
}

func TestSignInSetsAStrictCookie(t *testing.T) {
	e := newEnv(t, nil)
	e.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{
			UserInfo: authenticationv1.UserInfo{Username: "system:serviceaccount:kube-system:kubelab-admin"}}}, nil
	})
	w := signIn(t, e, testToken)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "./" {
		t.Fatalf("sign-in answered %d, Location %q; want 303 to ./ (relative)", w.Code, w.Header().Get("Location"))
	}
	c, raw := cookieNamed(w, tokenCookie)
	if c == nil {
		t.Fatalf("no %s cookie set: %v", tokenCookie, w.Result().Header.Values("Set-Cookie"))
	}
	if c.Value != testToken || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %q: want the token, Secure, HttpOnly, SameSite=Strict", raw)
	}
	// No Path: the browser makes it the directory of <prefix>/login, i.e. the prefix.
	if strings.Contains(strings.ToLower(raw), "path=") || c.Domain != "" {
		t.Errorf("cookie %q names a path or domain", raw)
	}
	if !c.Expires.Equal(time.Unix(4102444800, 0)) {
		t.Errorf("cookie expires %v, want the token's exp (2100-01-01)", c.Expires)
	}
	if got := e.tokens; len(got) != 1 || got[0] != testToken {
		t.Errorf("the client factory got %q, want exactly the (trimmed) token", got)
	}
	// The overview greets the user the API server named.
	body := e.get("/", http.StatusOK)
	mustContain(t, body, "system:serviceaccount:kube-system:kubelab-admin", `data-test="signout"`)
}

func TestSignInWithARefusedToken(t *testing.T) {
	e := newEnv(t, nil)
	e.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewUnauthorized("Unauthorized")
	})
	w := signIn(t, e, "wrong-token")
	if w.Code != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", w.Code)
	}
	mustContain(t, w.Body.String(), `id="error"`, "This token was refused by the API server (wrong or expired).", `data-test="token"`)
	mustNotContain(t, w.Body.String(), "wrong-token")
	if c, _ := cookieNamed(w, tokenCookie); c != nil {
		t.Errorf("a refused token was stored: %v", c)
	}
}

func TestSignInChecks(t *testing.T) {
	e := newEnv(t, nil)
	// A 403 still proves the API server accepted the token.
	e.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(authenticationv1.Resource("selfsubjectreviews"), "", errForbiddenReason)
	})
	if w := signIn(t, e, testToken); w.Code != http.StatusSeeOther {
		t.Errorf("a token the API server authenticates but forbids reviews: status %d, want 303", w.Code)
	}
	for token, want := range map[string]string{
		"":                              "Paste a token first.",
		"two words":                     "That does not look like a token",
		"a;b":                           "That does not look like a token",
		strings.Repeat("x", maxToken+1): "too long",
	} {
		w := signIn(t, e, token)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("token %.20q: status %d, want 400 with %q", token, w.Code, want)
		}
	}
	// Without the form's own value (a cross-site form), nothing is checked or stored.
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("token="+testToken))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	if c, _ := cookieNamed(w, tokenCookie); w.Code != http.StatusForbidden || c != nil {
		t.Errorf("sign-in without the login CSRF value: status %d, cookie %v; want 403 and none", w.Code, c)
	}
}

func TestWithoutTokenSignInFirst(t *testing.T) {
	e := newEnv(t, labObjects())
	for path, want := range map[string]int{"/": 303, "/pods": 303, "/deployment?name=web": 303, "/api/graph": 401, "/api/logs?pod=x": 401} {
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s without a token: %d, want %d", path, w.Code, want)
		}
		if want == 303 && w.Header().Get("Location") != "login" {
			t.Errorf("GET %s redirects to %q, want the relative \"login\"", path, w.Header().Get("Location"))
		}
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/scale", strings.NewReader("name=web&replicas=0")))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("POST /scale without a token: %d, want 401", w.Code)
	}
	if len(e.tokens) != 0 {
		t.Errorf("clients were built without a token: %q", e.tokens)
	}
}

func TestEveryCallUsesTheCookiesToken(t *testing.T) {
	e := newEnv(t, labObjects())
	for _, p := range []string{"/", "/pods", "/deployment?ns=default&name=web", "/graph"} {
		e.get(p, http.StatusOK)
	}
	for _, tok := range e.tokens {
		if tok != testToken {
			t.Errorf("the client factory got %q, want the cookie's token", tok)
		}
	}
	if len(e.tokens) != 1 {
		t.Errorf("clients built %d times for one token, want once (cached)", len(e.tokens))
	}
}

func TestTokenRefusedMidSession(t *testing.T) {
	e := newEnv(t, labObjects())
	e.kube.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewUnauthorized("token expired")
	})
	w := e.request(http.MethodGet, "/pods", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "login?expired=1" {
		t.Fatalf("status %d to %q, want 303 to login?expired=1", w.Code, w.Header().Get("Location"))
	}
	if c, _ := cookieNamed(w, tokenCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the refused token's cookie was not cleared: %v", c)
	}
}

func TestSignOut(t *testing.T) {
	e := newEnv(t, nil)
	if w := e.request(http.MethodPost, "/logout", url.Values{"csrf": {"forged"}}); w.Code != http.StatusForbidden {
		t.Errorf("sign-out with a wrong CSRF token: %d, want 403", w.Code)
	}
	w := e.request(http.MethodPost, "/logout", url.Values{})
	c, raw := cookieNamed(w, tokenCookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "login" || c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out: %d to %q, cookie %q; want 303 to login and the cookie cleared", w.Code, w.Header().Get("Location"), raw)
	}
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || strings.Contains(raw, "Path=") {
		t.Errorf("the clearing cookie %q must match the one set (Secure, HttpOnly, Strict, no Path)", raw)
	}
}

func TestCSRFGuardsActions(t *testing.T) {
	e := newEnv(t, labObjects())
	for _, form := range []url.Values{{"csrf": {"forged"}}, {"csrf": {e.srv.csrfToken("another-token")}}} {
		form.Set("ns", "default")
		form.Set("name", "web")
		form.Set("replicas", "0")
		if w := e.request(http.MethodPost, "/scale", form); w.Code != http.StatusForbidden {
			t.Errorf("scale with csrf %q: %d, want 403", form.Get("csrf"), w.Code)
		}
	}
	if d, _ := e.kube.AppsV1().Deployments("default").Get(t.Context(), "web", metav1.GetOptions{}); *d.Spec.Replicas != 2 {
		t.Fatalf("a forged request scaled the Deployment to %d", *d.Spec.Replicas)
	}
	// The page's script sends the token in a header instead of the form.
	r := httptest.NewRequest(http.MethodPost, "/scale", strings.NewReader("ns=default&name=web&replicas=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-CSRF-Token", e.srv.csrfToken(testToken))
	r.AddCookie(&http.Cookie{Name: tokenCookie, Value: testToken})
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	if d, _ := e.kube.AppsV1().Deployments("default").Get(t.Context(), "web", metav1.GetOptions{}); w.Code != http.StatusSeeOther || *d.Spec.Replicas != 1 {
		t.Errorf("scale with the CSRF header: %d, replicas %d; want 303 and 1", w.Code, *d.Spec.Replicas)
	}
	if strings.Contains(e.srv.csrfToken(testToken), testToken[:20]) {
		t.Error("the CSRF token shows part of the bearer token")
	}
}

func TestTokenExpiry(t *testing.T) {
	if got := tokenExpiry(testToken); !got.Equal(time.Unix(4102444800, 0)) {
		t.Errorf("tokenExpiry = %v", got)
	}
	for _, tok := range []string{"opaque-static-token", "a.b.c", "a.e30.c"} {
		if got := tokenExpiry(tok); !got.IsZero() {
			t.Errorf("tokenExpiry(%q) = %v, want zero (a session cookie)", tok, got)
		}
	}
}
