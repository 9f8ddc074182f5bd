package addons

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kubelab/kubelab/images"
)

// dashboardObjects decodes the dashboard add-on's rendered manifest strictly into typed objects.
func dashboardObjects(t *testing.T) []runtime.Object {
	t.Helper()
	b := dashboardManifest(t)
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []runtime.Object
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, doc)
		}
		out = append(out, obj)
	}
}

// The dashboard add-on runs the kubelab image with HTTPS and a small memory budget, under
// an account with no rights; a relay in kube-system serves older tutorials' URL.
func TestDashboardManifest(t *testing.T) {
	deps := map[string]*appsv1.Deployment{}
	services := map[string]*corev1.Service{}
	for _, o := range dashboardObjects(t) {
		switch o := o.(type) {
		case *appsv1.Deployment:
			deps[o.Namespace] = o
		case *corev1.Service:
			services[o.Namespace] = o
		case *rbacv1.Role, *rbacv1.RoleBinding, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			t.Errorf("the dashboard's own account needs no rights (users' tokens do the work): %T", o)
		}
	}
	dep := deps["kubernetes-dashboard"]
	if dep == nil {
		t.Fatal("no Deployment in kubernetes-dashboard")
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image != images.Dashboard || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %s, pull %s", c.Image, c.ImagePullPolicy)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Scheme != corev1.URISchemeHTTPS {
		t.Errorf("readiness probe %+v, want HTTPS /healthz", p)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if env["GOMEMLIMIT"].Value != "40MiB" || env["POD_IP"].ValueFrom == nil || env["POD_IP"].ValueFrom.FieldRef.FieldPath != "status.podIP" {
		t.Errorf("env %v", c.Env)
	}
	if !slices.Contains(c.Args, "--listen=:8443") || c.Ports[0].ContainerPort != 8443 {
		t.Errorf("args %v, ports %v", c.Args, c.Ports)
	}
	if c.Resources.Requests.Memory().Value() > 64<<20 {
		t.Errorf("memory request %v: the node must stay small", c.Resources.Requests.Memory())
	}

	// Both Services' ports are unnamed: the tutorials' URL (https:kubernetes-dashboard:)
	// asks the API server's proxy for the port named "".
	own, old := services["kubernetes-dashboard"], services["kube-system"]
	if own == nil || own.Spec.Ports[0].Port != 443 || own.Spec.Ports[0].Name != "" || own.Spec.Ports[0].TargetPort.String() != "https" {
		t.Errorf("Service kubernetes-dashboard/kubernetes-dashboard: %+v", own)
	}
	relay := deps["kube-system"]
	if relay == nil {
		t.Fatal("no relay Deployment in kube-system")
	}
	if old == nil || old.Name != "kubernetes-dashboard" || old.Spec.Ports[0].Name != "" || old.Spec.Ports[0].Port != 443 ||
		old.Spec.Selector["app.kubernetes.io/name"] != relay.Spec.Template.Labels["app.kubernetes.io/name"] {
		t.Errorf("Service kube-system/kubernetes-dashboard: %+v, want port 443 unnamed, selecting the relay", old)
	}
	rc := relay.Spec.Template.Spec.Containers[0]
	if rc.Image != images.Dashboard || !slices.Contains(rc.Args, "--relay-to=kubernetes-dashboard.kubernetes-dashboard.svc:443") {
		t.Errorf("relay container %s %v", rc.Image, rc.Args)
	}
	if a := relay.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Error("the relay talks to no API: it should get no token")
	}
	if strings.Contains(string(dashboardManifest(t)), "kubelab-admin") {
		t.Error("kubelab-admin belongs to the CLI, not this manifest")
	}
}

func dashboardManifest(t *testing.T) []byte {
	t.Helper()
	a, err := Find("dashboard")
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Render()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
