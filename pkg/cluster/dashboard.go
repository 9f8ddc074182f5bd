package cluster

import (
	"context"
	"fmt"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelab/kubelab/pkg/addons"
	"github.com/kubelab/kubelab/pkg/apiproxy"
	"github.com/kubelab/kubelab/pkg/docker"
	"github.com/kubelab/kubelab/pkg/ui"
)

// The dashboard's sign-in account: a ServiceAccount bound to cluster-admin, made on the
// first `kubelab dashboard`, whose tokens are short-lived TokenRequest tokens.
const (
	DashboardNamespace = "kubernetes-dashboard"
	AdminAccount       = "kubelab-admin"
)

// DashboardPath is the dashboard's URL path through the API server's service proxy, the
// one today's tutorials print after `kubectl proxy`.
const DashboardPath = "/api/v1/namespaces/" + DashboardNamespace + "/services/https:kubernetes-dashboard:/proxy/"

// DashboardAddon is the add-on that runs the dashboard.
const DashboardAddon = "dashboard"

// AdminToken makes sure the kubelab-admin ServiceAccount and its cluster-admin binding
// exist, and returns a fresh token for it that expires after ttl.
func AdminToken(ctx context.Context, cs kubernetes.Interface, ttl time.Duration) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: AdminAccount, Namespace: DashboardNamespace}}
	if _, err := cs.CoreV1().ServiceAccounts(DashboardNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("create ServiceAccount %s/%s: %w", DashboardNamespace, AdminAccount, err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: AdminAccount},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: AdminAccount, Namespace: DashboardNamespace}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("bind %s to cluster-admin: %w", AdminAccount, err)
	}
	seconds := int64(ttl / time.Second)
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
	got, err := cs.CoreV1().ServiceAccounts(DashboardNamespace).CreateToken(ctx, AdminAccount, tr, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token for %s: %w", AdminAccount, err)
	}
	return got.Status.Token, nil
}

// DashboardSession is what `kubelab dashboard` hands the learner: the dashboard's URL
// through a local API proxy, a token to sign in with, and the proxy serving it.
type DashboardSession struct {
	URL   string
	Token string
	Proxy *apiproxy.Proxy
}

// TokenTTL is how long the printed sign-in token stays valid.
const TokenTTL = time.Hour

// OpenDashboard makes sure the dashboard add-on is enabled and ready, serves the API
// proxy on 127.0.0.1:port (a free port when 0) and checks that the dashboard answers
// through it. The proxy runs until ctx ends.
func OpenDashboard(ctx context.Context, p docker.Provider, st *ui.Status, name string, port int) (*DashboardSession, error) {
	a, err := addons.Find(DashboardAddon)
	if err != nil {
		return nil, err
	}
	rc, err := RESTConfig(ctx, p, name)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	s := &DashboardSession{}
	steps := []struct {
		title string
		run   func(context.Context) error
	}{
		{"Making sure the dashboard add-on is enabled and ready", func(ctx context.Context) error {
			state, err := a.Status(ctx, cs)
			if err != nil {
				return err
			}
			if !state.Enabled {
				if err := a.Enable(ctx, rc); err != nil {
					return err
				}
			}
			return WaitAddons(ctx, cs, []addons.Addon{a})
		}},
		{"Requesting a sign-in token for " + DashboardNamespace + "/" + AdminAccount, func(ctx context.Context) error {
			s.Token, err = AdminToken(ctx, cs, TokenTTL)
			return err
		}},
		{"Serving the Kubernetes API on 127.0.0.1", func(context.Context) error {
			s.Proxy, err = apiproxy.Start(ctx, rc, port)
			if err == nil {
				s.URL = s.Proxy.URL + DashboardPath
			}
			return err
		}},
		{"Waiting for the dashboard to answer through the proxy", func(ctx context.Context) error {
			return waitHTTP(ctx, s.URL)
		}},
	}
	for _, step := range steps {
		st.Start(step.title)
		err := step.run(ctx)
		st.End(err)
		if err != nil {
			if s.Proxy != nil {
				s.Proxy.Stop()
			}
			return nil, err
		}
	}
	return s, nil
}

// waitHTTP polls a URL until it answers 200: right after its pod turns Ready, the API
// server's service proxy may still lack the endpoint for a moment.
func waitHTTP(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var last string
	err := wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("the dashboard did not answer at %s (last: %s): see `kubelab kubectl -- -n %s get pods,events`", url, last, DashboardNamespace)
	}
	return nil
}
