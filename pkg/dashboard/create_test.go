package dashboard

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"
)

// createEnv is a dashboard whose API serves ConfigMaps, Namespaces and Deployments, and
// answers dry-run creates without storing them (as the API server does). It counts the
// creates that were real.
func createEnv(t *testing.T) (*env, *[]string) {
	e := newEnv(t, namespaces("default"))
	e.kube.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap"},
			{Name: "namespaces", Namespaced: false, Kind: "Namespace"}}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{{Name: "deployments", Namespaced: true, Kind: "Deployment"}}},
	}
	var real []string
	e.dyn.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		c := a.(k8stesting.CreateActionImpl)
		if len(c.CreateOptions.DryRun) > 0 {
			return true, c.Object, nil
		}
		real = append(real, a.GetResource().Resource+"/"+a.GetNamespace())
		return false, nil, nil
	})
	return e, &real
}

const twoObjects = `
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: team-a
spec:
  replicas: 1
`

func TestCreateFromYAML(t *testing.T) {
	e, real := createEnv(t)
	w := e.request(http.MethodPost, "/create", url.Values{"yaml": {twoObjects}, "ns": {"default"}})
	if w.Code != http.StatusOK {
		t.Fatalf("create: %d\n%s", w.Code, w.Body)
	}
	mustContain(t, w.Body.String(), `data-test="create-result"`, "configmap/settings created", "deployment.apps/hello created")
	if got := strings.Join(*real, " "); got != "configmaps/default deployments/team-a" {
		t.Errorf("created %q, want the ConfigMap in the chosen namespace and the Deployment in its own", got)
	}
	cm, err := e.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("default").Get(t.Context(), "settings", metav1.GetOptions{})
	if err != nil || cm.Object["data"].(map[string]any)["greeting"] != "hello" {
		t.Errorf("the ConfigMap was not stored as written: %v %v", cm, err)
	}
}

func TestCreateAllOrNothing(t *testing.T) {
	for name, tc := range map[string]struct {
		yaml, want string
		setup      func(*env)
	}{
		"bad YAML in the second document": {
			yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
			want: "document 2: not valid YAML"},
		"no kind":        {yaml: "apiVersion: v1\nmetadata:\n  name: a\n", want: "document 1: apiVersion and kind are required"},
		"no name":        {yaml: "apiVersion: v1\nkind: ConfigMap\n", want: "document 1 (ConfigMap): metadata.name is required"},
		"unknown kind":   {yaml: twoObjects + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n", want: "document 3 (Widget): the API server has no kind Widget in example.com/v1"},
		"nothing pasted": {yaml: "---\n", want: "paste at least one object"},
		"the API server refuses one in the dry run": {
			yaml: twoObjects, want: "document 2 (deployment.apps/hello): Deployment.apps &#34;hello&#34; is invalid: spec.selector: Required value",
			setup: func(e *env) {
				e.dyn.PrependReactor("create", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: "apps", Kind: "Deployment"}, "hello",
						field.ErrorList{field.Required(field.NewPath("spec", "selector"), "")})
				})
			}},
		"forbidden": {
			yaml: twoObjects, want: "document 1 (configmap/settings): forbidden: configmaps is forbidden",
			setup: func(e *env) { forbid(&e.dyn.Fake, "create", "configmaps") }},
	} {
		t.Run(name, func(t *testing.T) {
			e, real := createEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			w := e.request(http.MethodPost, "/create", url.Values{"yaml": {tc.yaml}})
			if w.Code == http.StatusOK || w.Code >= 500 {
				t.Errorf("status %d, want a 4xx", w.Code)
			}
			mustContain(t, w.Body.String(), `data-test="create-error"`, tc.want, "Nothing was created.")
			if len(*real) > 0 {
				t.Errorf("created %v despite the error", *real)
			}
			if !strings.Contains(w.Body.String(), ">"+html.EscapeString(tc.yaml)+"</textarea>") {
				t.Error("the YAML typed is not kept in the form")
			}
		})
	}
}

func TestCreateIntoANewNamespace(t *testing.T) {
	e, real := createEnv(t)
	// The dry run of an object in a namespace that does not exist yet fails with NotFound.
	e.dyn.PrependReactor("create", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if len(a.(k8stesting.CreateActionImpl).CreateOptions.DryRun) > 0 && a.GetNamespace() == "lab" {
			return true, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "lab")
		}
		return false, nil, nil
	})
	y := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: lab\n"
	w := e.request(http.MethodPost, "/create", url.Values{"yaml": {y}})
	if w.Code != http.StatusOK || strings.Join(*real, " ") != "namespaces/ configmaps/lab" {
		t.Errorf("status %d, created %v; want the namespace, then the ConfigMap in it", w.Code, *real)
	}
}
