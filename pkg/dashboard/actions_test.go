package dashboard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func (e *env) deployment() *appsv1.Deployment {
	e.t.Helper()
	d, err := e.kube.AppsV1().Deployments("default").Get(e.t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func form(kv ...string) url.Values {
	v := url.Values{"back": {"deployment?name=web&ns=default"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func decode(t *testing.T, body string) actionResult {
	t.Helper()
	var r actionResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not an action result: %v\n%s", err, body)
	}
	return r
}

func TestScale(t *testing.T) {
	e := newEnv(t, labObjects())
	w := e.request(http.MethodPost, "/scale", form("ns", "default", "name", "web", "replicas", "3"))
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "deployment?") ||
		!strings.Contains(w.Header().Get("Location"), "msg=Scaled+web+to+3+replicas.") {
		t.Errorf("plain form: %d to %q, want 303 back to the deployment with a message", w.Code, w.Header().Get("Location"))
	}
	if got := *e.deployment().Spec.Replicas; got != 3 {
		t.Fatalf("replicas = %d, want 3", got)
	}
	// The page's script asks for JSON.
	w = e.request(http.MethodPost, "/scale", form("ns", "default", "name", "web", "replicas", "1"), "Accept", "application/json")
	if r := decode(t, w.Body.String()); w.Code != http.StatusOK || !r.OK || *e.deployment().Spec.Replicas != 1 {
		t.Errorf("JSON scale: %d %+v, replicas %d", w.Code, r, *e.deployment().Spec.Replicas)
	}
	for _, bad := range []string{"-1", "three", "", "1001"} {
		w = e.request(http.MethodPost, "/scale", form("ns", "default", "name", "web", "replicas", bad), "Accept", "application/json")
		if r := decode(t, w.Body.String()); w.Code != http.StatusBadRequest || r.OK || !strings.Contains(r.Message, "whole number") {
			t.Errorf("replicas %q: %d %+v, want 400 with a message", bad, w.Code, r)
		}
	}
	if got := *e.deployment().Spec.Replicas; got != 1 {
		t.Errorf("bad input changed replicas to %d", got)
	}
}

func TestForbiddenAction(t *testing.T) {
	e := newEnv(t, labObjects())
	forbid(&e.kube.Fake, "patch", "deployments")
	w := e.request(http.MethodPost, "/scale", form("ns", "default", "name", "web", "replicas", "5"), "Accept", "application/json")
	r := decode(t, w.Body.String())
	if w.Code != http.StatusForbidden || r.OK || !strings.HasPrefix(r.Message, "forbidden: deployments.apps is forbidden") {
		t.Errorf("forbidden scale: %d %+v", w.Code, r)
	}
	w = e.request(http.MethodPost, "/restart", form("ns", "default", "name", "web"))
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.Contains(loc, "err=forbidden") {
		t.Errorf("forbidden restart, plain form: %d to %q", w.Code, loc)
	}
}

func TestRestart(t *testing.T) {
	e := newEnv(t, labObjects())
	w := e.request(http.MethodPost, "/restart", form("ns", "default", "name", "web"), "Accept", "application/json")
	if r := decode(t, w.Body.String()); !r.OK {
		t.Fatalf("restart: %d %+v", w.Code, r)
	}
	d := e.deployment()
	if got := d.Spec.Template.Annotations[restartedAtAnnotation]; got != "2030-01-02T03:04:05Z" {
		t.Errorf("pod template annotation %s = %q, want the time of the restart", restartedAtAnnotation, got)
	}
	if d.Spec.Template.Spec.Containers[0].Image != "kubelab/bootcamp:v2" {
		t.Error("restart changed the containers")
	}
}

func TestRollback(t *testing.T) {
	e := newEnv(t, labObjects())
	w := e.request(http.MethodPost, "/rollback", form("ns", "default", "name", "web", "revision", "1"), "Accept", "application/json")
	if r := decode(t, w.Body.String()); !r.OK {
		t.Fatalf("rollback: %d %+v", w.Code, r)
	}
	d := e.deployment()
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "kubelab/bootcamp:v1" {
		t.Errorf("after rolling back to revision 1 the image is %s, want v1", img)
	}
	if _, ok := d.Spec.Template.Labels["pod-template-hash"]; ok || d.Spec.Template.Labels["app"] != "web" {
		t.Errorf("template labels %v: want the revision's labels without pod-template-hash", d.Spec.Template.Labels)
	}
	if d.Annotations[changeCauseAnnotation] != "image kubelab/bootcamp:v1" {
		t.Errorf("change-cause %q, want the revision's", d.Annotations[changeCauseAnnotation])
	}
	for rev, want := range map[string]string{"2": "running now", "7": "no revision 7", "x": "Pick a revision"} {
		w = e.request(http.MethodPost, "/rollback", form("ns", "default", "name", "web", "revision", rev), "Accept", "application/json")
		if r := decode(t, w.Body.String()); r.OK || w.Code != http.StatusBadRequest || !strings.Contains(r.Message, want) {
			t.Errorf("rollback to %s: %d %+v, want 400 with %q", rev, w.Code, r, want)
		}
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t, labObjects(), webPod("web-c-1", "web-c", "10.244.0.7", true))
	pods := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	f := form("r", "v1/pods", "ns", "default", "name", "web-c-1", "then", "pods?ns=default")
	w := e.request(http.MethodPost, "/delete", f, "Accept", "application/json")
	if r := decode(t, w.Body.String()); !r.OK || r.Then != "pods?ns=default" {
		t.Errorf("delete: %d %+v, want ok and then pods?ns=default", w.Code, r)
	}
	if _, err := e.dyn.Resource(pods).Namespace("default").Get(t.Context(), "web-c-1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the pod is still there: %v", err)
	}
	// Deleting what is gone says so; a "then" that leaves the dashboard is ignored.
	f.Set("then", "https://example.com/")
	w = e.request(http.MethodPost, "/delete", f)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "deployment?") || !strings.Contains(loc, "err=not+found") {
		t.Errorf("delete of a missing pod redirects to %q", loc)
	}
}

func TestRelativeOnly(t *testing.T) {
	for in, want := range map[string]string{
		"pods?ns=default": "pods?ns=default", "./": "./", "./?ns=x": "./?ns=x",
		"/pods": "", "//evil.example/": "", "https://evil.example/": "", "javascript:alert(1)": "",
		" //evil.example": "", "\\\\evil.example": "", "a/../../x": "", "static/app.js": "", "": "",
	} {
		if got := relative(in); got != want {
			t.Errorf("relative(%q) = %q, want %q", in, got, want)
		}
	}
}
