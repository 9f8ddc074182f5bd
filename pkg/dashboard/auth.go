package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// tokenCookie holds the user's bearer token: the only place the dashboard keeps it.
	tokenCookie = "kubelab_token"
	// loginCookie holds a random value the sign-in form must echo (login CSRF).
	loginCookie = "kubelab_login"
	// maxToken keeps the cookie under browsers' 4096-byte limit.
	maxToken = 3800
)

// Messages of the sign-in page.
const (
	msgRefused = "This token was refused by the API server (wrong or expired)."
	msgExpired = "Your token is no longer accepted by the API server: sign in again."
	msgEmpty   = "Paste a token first."
	msgBadForm = "The sign-in form was stale: try again."
)

// user is a signed-in request's identity: their clients and CSRF token. It holds the
// bearer token only to clear its cache entry; templates never receive it.
type user struct {
	token   string
	clients *Clients
	name    string
	csrf    string
}

type authedHandler func(http.ResponseWriter, *http.Request, *user)

// authed runs h for a signed-in user. Without a token cookie, pages redirect to the
// sign-in page and API calls get 401.
func (s *Server) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(tokenCookie)
		if err != nil || c.Value == "" {
			s.signInAgain(w, r, "")
			return
		}
		cl, name, err := s.clients.get(c.Value)
		if err != nil {
			s.log.Printf("build clients: %v", err)
			http.Error(w, "the dashboard cannot make API clients", http.StatusInternalServerError)
			return
		}
		h(w, r, &user{token: c.Value, clients: cl, name: name, csrf: s.csrfToken(c.Value)})
	}
}

// signInAgain sends a request without a valid token to the sign-in page (an API request
// gets 401), with a message if there is one.
func (s *Server) signInAgain(w http.ResponseWriter, r *http.Request, why string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	if why != "" {
		seeOther(w, "login?expired=1")
		return
	}
	seeOther(w, "login")
}

// refused handles an API call that failed with 401: the token expired or was revoked
// since sign-in. It clears the cookie and reports whether it did.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, u *user, err error) bool {
	if !apierrors.IsUnauthorized(err) {
		return false
	}
	s.clients.forget(u.token)
	clearCookie(w, tokenCookie)
	s.signInAgain(w, r, "expired")
	return true
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Sign in"}
	if r.URL.Query().Get("expired") != "" {
		p.FlashErr = msgExpired
	}
	s.renderLogin(w, http.StatusOK, p)
}

// renderLogin draws the sign-in form with a fresh login-CSRF value in cookie and form.
func (s *Server) renderLogin(w http.ResponseWriter, status int, p *page) {
	b := make([]byte, 18)
	rand.Read(b)
	p.CSRF = base64.RawURLEncoding.EncodeToString(b)
	setCookie(w, loginCookie, p.CSRF, s.opts.Now().Add(time.Hour))
	s.render(w, status, "login.html", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		s.renderLogin(w, status, &page{Title: "Sign in", FlashErr: msg})
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || !hmac.Equal([]byte(c.Value), []byte(r.PostFormValue("csrf"))) {
		fail(http.StatusForbidden, msgBadForm)
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	token = strings.TrimPrefix(token, "Bearer ")
	switch {
	case token == "":
		fail(http.StatusBadRequest, msgEmpty)
		return
	case len(token) > maxToken:
		fail(http.StatusBadRequest, "This token is too long to keep in a cookie.")
		return
	case !cookieSafe(token):
		fail(http.StatusBadRequest, "That does not look like a token: it has spaces or other characters a token never has.")
		return
	}
	cl, _, err := s.clients.get(token)
	if err != nil {
		s.log.Printf("build clients: %v", err)
		fail(http.StatusInternalServerError, "The dashboard cannot make API clients.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	name, err := whoAmI(ctx, cl)
	if err != nil {
		s.clients.forget(token)
		if apierrors.IsUnauthorized(err) {
			fail(http.StatusUnauthorized, msgRefused)
			return
		}
		fail(http.StatusBadGateway, "The API server could not check the token: "+apiMessage(err))
		return
	}
	s.clients.setUser(token, name)
	setCookie(w, tokenCookie, token, tokenExpiry(token))
	clearCookie(w, loginCookie)
	seeOther(w, "./")
}

// whoAmI asks the API server who the token belongs to: proof that it accepts the token.
// A 403 still proves the token authenticated; clusters without SelfSubjectReview get a
// SelfSubjectAccessReview, which every authenticated user may create.
func whoAmI(ctx context.Context, c *Clients) (string, error) {
	r, err := c.Kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case err == nil:
		return r.Status.UserInfo.Username, nil
	case apierrors.IsForbidden(err):
		return "", nil
	case apierrors.IsNotFound(err):
		_, err = c.Kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/version", Verb: "get"}},
		}, metav1.CreateOptions{})
		if apierrors.IsForbidden(err) {
			err = nil
		}
		return "", err
	}
	return "", err
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.validCSRF(r, u) {
		staleForm(w, r)
		return
	}
	s.clients.forget(u.token)
	clearCookie(w, tokenCookie)
	seeOther(w, "login")
}

// csrf guards a state-changing handler: the request must carry the session's CSRF token,
// in the form or in the X-CSRF-Token header (SameSite=Strict is the second guard).
func (s *Server) csrf(h authedHandler) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, u *user) {
		if !s.validCSRF(r, u) {
			staleForm(w, r)
			return
		}
		h(w, r, u)
	}
}

// staleForm refuses a form without the session's CSRF token. Most often the page is older
// than the dashboard process (its key is new at every start): reloading it helps.
func staleForm(w http.ResponseWriter, r *http.Request) {
	const msg = "This page is out of date (the dashboard may have restarted): reload it and try again."
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(actionResult{Message: msg})
		return
	}
	http.Error(w, msg, http.StatusForbidden)
}

func (s *Server) validCSRF(r *http.Request, u *user) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && hmac.Equal([]byte(got), []byte(u.csrf))
}

// csrfToken is derived from the session's token with a key of this process: it changes
// with the session, and reveals nothing of the token.
func (s *Server) csrfToken(token string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setCookie sets a cookie only this dashboard's pages get: Secure, HttpOnly,
// SameSite=Strict, and no Path, so its path defaults to the directory of the URL the
// browser asked for: the dashboard's prefix, whatever proxy path that is.
func setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Expires: expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// cookieSafe says whether a token can be a cookie value unchanged (RFC 6265 cookie-octets).
func cookieSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// tokenExpiry is when a JWT's exp claim says it expires; the zero time (a session cookie)
// for tokens without one, such as a service-account-token Secret's.
func tokenExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return time.Time{}
	}
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= 0 {
		return time.Time{}
	}
	return time.Unix(exp, 0)
}
