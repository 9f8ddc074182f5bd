package dashboard

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// moreObjects: a NodePort Service with its EndpointSlice, an Ingress, a ConfigMap, a
// Secret, a claim, a Warning event, and a pod in kube-system.
func moreObjects() []runtime.Object {
	return []runtime.Object{
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.12.34", Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 8080, TargetPort: intstr.FromInt32(8080), NodePort: 30080, Protocol: corev1.ProtocolTCP}}}},
		&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "web-abcde", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}, NodeName: ptr.To("lab-control-plane"), TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "web-c-1"}},
				{Addresses: []string{"10.244.0.8"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(false)}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "web-c-2"}}},
			Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(8080))}}},
		&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To("traefik"),
			Rules: []networkingv1.IngressRule{{Host: "web.example", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 8080}}}}}}}}}}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"}, Data: map[string]string{"greeting": "hello learner", "color": "blue"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"}, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("s3cr3t-value")}},
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default"},
			Spec:   corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("standard"), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}},
		&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "web-c-2.1", Namespace: "default"}, Type: corev1.EventTypeWarning, Reason: "Unhealthy",
			Message: "Readiness probe failed: connection refused", Count: 4, LastTimestamp: metav1.NewTime(testNow.Add(-120e9)),
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-c-2"}},
		&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "web.1", Namespace: "default"}, Type: corev1.EventTypeNormal, Reason: "ScalingReplicaSet",
			Message: "Scaled up replica set web-c to 2", InvolvedObject: corev1.ObjectReference{Kind: "Deployment", Namespace: "default", Name: "web"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "coredns-1", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "coredns"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: "coredns", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}},
	}
}

func fullEnv(t *testing.T) *env {
	objs := append(labObjects(), moreObjects()...)
	e := newEnv(t, objs, append(labObjects(), moreObjects()...)...) // the same objects for the YAML pages
	m := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "metrics.k8s.io/v1beta1", "kind": "NodeMetrics",
		"metadata": map[string]any{"name": "lab-control-plane"}, "usage": map[string]any{"cpu": "500m", "memory": "1Gi"}}}
	if err := e.dyn.Tracker().Create(nodeMetricsResource, m, ""); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLists(t *testing.T) {
	e := fullEnv(t)
	for page, want := range map[string][]string{
		"/pods":        {`data-test="pod-row" data-name="web-c-1"`, "10.244.0.7", "lab-control-plane", ">0/1<", ">3<", `href="pod?name=web-c-1&amp;ns=default"`},
		"/deployments": {`data-test="deployment-row" data-name="web"`, ">2/2<", "kubelab/bootcamp:v2", `href="deployment?name=web&amp;ns=default"`},
		"/replicasets": {`data-name="web-c"`, "Deployment/web", `<td>2</td>`},
		"/services":    {`data-test="service-row" data-name="web"`, "NodePort", "10.96.12.34", "8080:30080/TCP", "<td>1</td>", "app=web"},
		"/ingresses":   {`data-name="web"`, "traefik", "web.example/ → web:8080"},
		"/configmaps":  {`data-name="settings"`, "color, greeting"},
		"/secrets":     {`data-name="db"`, "Opaque"},
		"/pvcs":        {`data-name="data"`, "Bound", "standard", "ReadWriteOnce"},
		"/events":      {"Unhealthy", "Readiness probe failed: connection refused", "pod/web-c-2", "2m", ">4<"},
		"/nodes":       {`data-test="node-row" data-name="lab-control-plane"`, "Ready", "control-plane", "v1.37.2", "172.18.0.2", "500m (25%)", "1.0Gi (25%)"},
	} {
		body := e.get(page, http.StatusOK)
		mustContain(t, body, want...)
		mustNotContain(t, body, "coredns-1", "s3cr3t", "czNjcjN0")
	}
}

func TestListAllNamespacesAndLabels(t *testing.T) {
	e := fullEnv(t)
	body := e.get("/pods?ns=", http.StatusOK)
	mustContain(t, body, "<th scope=\"col\">Namespace</th>", "coredns-1", "CrashLoopBackOff", "web-c-1", `<option value="" selected>All namespaces</option>`)
	body = e.get("/pods?ns=&l=k8s-app%3Dkube-dns", http.StatusOK)
	mustContain(t, body, "coredns-1")
	mustNotContain(t, body, "web-c-1")
	body = e.get("/pods?l=app+in+(", http.StatusOK)
	mustContain(t, body, "bad label selector")
	body = e.get("/pods?ns=kube-system", http.StatusOK)
	mustContain(t, body, `<option value="kube-system" selected>`)
}

func TestForbiddenShowsInPlace(t *testing.T) {
	e := fullEnv(t)
	forbid(&e.kube.Fake, "list", "pods")
	forbid(&e.kube.Fake, "get", "deployments")
	body := e.get("/pods", http.StatusOK)
	mustContain(t, body, `data-test="forbidden"`, `forbidden: pods is forbidden: User &#34;system:serviceaccount:default:viewer&#34; cannot do this`)
	// The overview draws what it may, and says forbidden where it may not.
	body = e.get("/", http.StatusOK)
	mustContain(t, body, `data-test="health-Pods"`, "forbidden: pods is forbidden", `data-test="health-Deployments"`, "of 1 available")
	// A details page whose object may not be read answers 403 with the message.
	body = e.get("/deployment?ns=default&name=web", http.StatusForbidden)
	mustContain(t, body, `data-test="forbidden"`, "forbidden: deployments.apps is forbidden")
	// The graph and pages never crash on a 403 for namespaces either.
	forbid(&e.kube.Fake, "list", "namespaces")
	body = e.get("/services", http.StatusOK)
	mustContain(t, body, `<input name="ns" id="ns" data-test="namespace-select" value="default"`)
}

func TestOverview(t *testing.T) {
	e := fullEnv(t)
	body := e.get("/", http.StatusOK)
	mustContain(t, body, "lab-control-plane", "500m (25%)", "1 of 1 available", "1 of 2 running and ready, 1 starting or not ready",
		"Unhealthy", "Readiness probe failed", `href="./?ns=kube-system"`)
	mustNotContain(t, body, "ScalingReplicaSet") // not a warning

	// Without metrics-server, or without permission, the overview says so where the figures would be.
	e.dyn.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(nodeMetricsResource.GroupResource(), "")
	})
	body = e.get("/", http.StatusOK)
	mustContain(t, body, `data-test="metrics-note"`, "metrics-server is not installed")
	forbid(&e.dyn.Fake, "list", "nodes")
	body = e.get("/", http.StatusOK)
	mustContain(t, body, `data-test="forbidden"`, "forbidden: nodes.metrics.k8s.io is forbidden")
	if strings.Contains(body, `data-test="metrics-note"`) {
		t.Error("a forbidden metrics API is reported as missing")
	}
}
