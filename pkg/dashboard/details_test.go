package dashboard

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodPage(t *testing.T) {
	e := fullEnv(t)
	body := e.get("/pod?ns=default&name=web-c-2", http.StatusOK)
	mustContain(t, body,
		`data-test="pod-status">Running<`, "10.244.0.8", "lab-control-plane", `href="yaml?name=web-c&amp;ns=default&amp;r=apps%2Fv1%2Freplicasets"`,
		`data-test="container-row" data-name="app"`, "kubelab/bootcamp:v2",
		`data-test="condition-row" data-name="Ready"`,
		"Readiness probe failed: connection refused", // its event
		`id="logs-view"`, `data-test="logs"`, `data-stream="api/logs?ns=default&amp;pod=web-c-2"`, `<option value="app">app</option>`,
		`data-test="delete-confirm"`, `name="r" value="v1/pods"`)
	mustNotContain(t, body, "Scaled up replica set") // another object's event
	e.get("/pod?ns=default&name=nope", http.StatusNotFound)
	e.get("/pod?ns=default", http.StatusBadRequest)
}

func TestDeploymentPage(t *testing.T) {
	e := fullEnv(t)
	// A pod with the Deployment's labels that no ReplicaSet of it owns is not its pod.
	stray := webPod("stray", "other-rs", "10.244.0.99", true)
	if err := e.kube.Tracker().Add(stray); err != nil {
		t.Fatal(err)
	}
	body := e.get("/deployment?ns=default&name=web", http.StatusOK)
	mustContain(t, body,
		`data-test="replicas">2 desired`, `data-test="scale-input"`, `value="2"`, `data-test="scale-button"`,
		`data-test="restart-confirm"`,
		`data-test="revision-row" data-revision="2" class="current"`, `data-test="current-revision"`,
		`data-test="revision-row" data-revision="1"`, "image kubelab/bootcamp:v1",
		`data-test="rollback-select"`, `<option value="1">1 · kubelab/bootcamp:v1</option>`, `data-test="rollback-confirm"`,
		`data-test="pod-row" data-name="web-c-1"`, `data-test="pod-row" data-name="web-c-2"`,
		"Scaled up replica set web-c to 2")
	mustNotContain(t, body, `data-name="stray"`, `<option value="2">`)
	if !strings.Contains(body, `id="pods" data-live`) || !strings.Contains(body, `data-watch="deployments,replicasets,pods,events"`) {
		t.Error("the Deployment's pods are not a live part of the page")
	}
}

func TestServicePage(t *testing.T) {
	e := fullEnv(t)
	body := e.get("/service?ns=default&name=web", http.StatusOK)
	mustContain(t, body, "NodePort", "10.96.12.34", "curl http://$(kubelab ip):30080/",
		`data-test="port-row" data-name="http"`, ">30080<",
		`data-test="endpoint-row" data-name="10.244.0.7"`, `href="pod?name=web-c-1&amp;ns=default"`, ">http 8080<", "web-abcde",
		`data-test="endpoint-row" data-name="10.244.0.8"`, `class="state state-warn ">no<`,
		`data-test="pod-row" data-name="web-c-2"`)
}

func TestSecretValuesOnlyWhenAsked(t *testing.T) {
	e := fullEnv(t)
	body := e.get("/secret?ns=default&name=db", http.StatusOK)
	mustContain(t, body, `data-key="password"`, "12 bytes", `data-test="secret-hidden"`, `href="secret?name=db&amp;ns=default&amp;reveal=1"`)
	mustNotContain(t, body, "s3cr3t-value", "czNjcjN0LXZhbHVl")
	body = e.get("/secret?ns=default&name=db&reveal=1", http.StatusOK)
	mustContain(t, body, `data-test="secret-value">s3cr3t-value</pre>`)
	body = e.get("/configmap?ns=default&name=settings", http.StatusOK)
	mustContain(t, body, `data-key="greeting"`, "hello learner")
}

func TestYAMLOfAnyObject(t *testing.T) {
	dep := webDeployment()
	dep.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-client-side-apply"}}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"}, Data: map[string][]byte{"password": []byte("s3cr3t-value")}}
	e := newEnv(t, namespaces("default"), dep, sec, labNode())
	body := e.get("/yaml?r=apps/v1/deployments&ns=default&name=web", http.StatusOK)
	mustContain(t, body, `data-test="yaml"`, "kind: Deployment", "image: kubelab/bootcamp:v2", "replicas: 2")
	mustNotContain(t, body, "managedFields", "kubectl-client-side-apply")
	// Cluster-scoped objects are read without a namespace, whatever the link says.
	body = e.get("/yaml?r=v1/nodes&name=lab-control-plane", http.StatusOK)
	mustContain(t, body, "kind: Node", "kubeletVersion: v1.37.2")
	body = e.get("/yaml?r=v1/secrets&ns=default&name=db", http.StatusOK)
	mustContain(t, body, "password: (hidden)", `data-test="secret-reveal"`)
	mustNotContain(t, body, "czNjcjN0LXZhbHVl")
	body = e.get("/yaml?r=v1/secrets&ns=default&name=db&reveal=1", http.StatusOK)
	mustContain(t, body, "password: czNjcjN0LXZhbHVl")
	e.get("/yaml?r=apps/v1/deployments&ns=default&name=gone", http.StatusNotFound)
	body = e.get("/yaml?r=../../etc&ns=default&name=web", http.StatusBadRequest)
	mustContain(t, body, "bad resource")
	forbid(&e.dyn.Fake, "get", "deployments")
	body = e.get("/yaml?r=apps/v1/deployments&ns=default&name=web", http.StatusForbidden)
	mustContain(t, body, `data-test="forbidden"`)
}
