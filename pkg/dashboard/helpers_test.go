package dashboard

import (
	"bytes"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// testToken looks like a ServiceAccount token: a JWT whose exp is 2100-01-01.
var testToken = "eyJhbGciOiJSUzI1NiJ9." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"exp":4102444800,"sub":"system:serviceaccount:kube-system:kubelab-admin"}`)) +
	".c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// env is a dashboard over fake clients, with what the client factory was given.
type env struct {
	t    *testing.T
	kube *fake.Clientset
	dyn  *dynamicfake.FakeDynamicClient
	srv  *Server
	logs *syncBuffer

	mu     sync.Mutex
	tokens []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv serves a dashboard whose clients are kube (typed) and a dynamic fake holding dyn.
func newEnv(t *testing.T, objs []runtime.Object, dyn ...runtime.Object) *env {
	t.Helper()
	e := &env{t: t, kube: fake.NewClientset(objs...), logs: &syncBuffer{}}
	// The API server answers a SelfSubjectReview with who the token is.
	e.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{
			UserInfo: authenticationv1.UserInfo{Username: "system:serviceaccount:kube-system:learner"}}}, nil
	})
	listKinds := map[schema.GroupVersionResource]string{nodeMetricsResource: "NodeMetricsList"}
	sch := runtime.NewScheme()
	if err := scheme.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	e.dyn = dynamicfake.NewSimpleDynamicClientWithCustomListKinds(sch, listKinds, dyn...)
	var err error
	e.srv, err = New(Options{
		Clients: func(token string) (*Clients, error) {
			e.mu.Lock()
			e.tokens = append(e.tokens, token)
			e.mu.Unlock()
			return &Clients{Kube: e.kube, Dynamic: e.dyn}, nil
		},
		Log: log.New(e.logs, "", 0),
		Now: func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// request makes a request as the signed-in user (cookie), with the session's CSRF token
// in POST forms.
func (e *env) request(method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		if form.Get("csrf") == "" {
			form.Set("csrf", e.srv.csrfToken(testToken))
		}
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.AddCookie(&http.Cookie{Name: tokenCookie, Value: testToken})
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

// get fetches a page as the signed-in user and fails the test unless it answers want.
func (e *env) get(target string, want int) string {
	e.t.Helper()
	w := e.request(http.MethodGet, target, nil)
	if w.Code != want {
		e.t.Fatalf("GET %s: status %d, want %d\n%s", target, w.Code, want, w.Body.String())
	}
	return w.Body.String()
}

// forbid makes every verb on resource fail as RBAC would refuse it.
func forbid(f *k8stesting.Fake, verb, resource string) {
	f.PrependReactor(verb, resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		gr := schema.GroupResource{Group: a.GetResource().Group, Resource: resource}
		return true, nil, apierrors.NewForbidden(gr, "", errForbiddenReason)
	})
}

var errForbiddenReason = errorString(`User "system:serviceaccount:default:viewer" cannot do this`)

type errorString string

func (e errorString) Error() string { return string(e) }

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
}

func mustNotContain(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("the page has %q", b)
		}
	}
}

// Objects of a small namespace: Deployment web (revision 2 running) with two ReplicaSets,
// two pods, a NodePort Service with an EndpointSlice, a node.

func controller(kind, name string, uid string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: types.UID(uid), Controller: ptr.To(true)}}
}

func webDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "dep-uid",
			Annotations: map[string]string{revisionAnnotation: "2"}, CreationTimestamp: metav1.NewTime(testNow.Add(-time.Hour))},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: podTemplate("kubelab/bootcamp:v2", "hash-2"),
		},
		Status: appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2},
	}
}

func podTemplate(image, hash string) corev1.PodTemplateSpec {
	l := map[string]string{"app": "web"}
	if hash != "" {
		l["pod-template-hash"] = hash
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: l},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

func webReplicaSet(rev int, image string, replicas int32) *appsv1.ReplicaSet {
	name := "web-" + string(rune('a'+rev))
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"},
			Annotations:     map[string]string{revisionAnnotation: string(rune('0' + rev)), changeCauseAnnotation: "image " + image},
			OwnerReferences: controller("Deployment", "web", "dep-uid")},
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas), Template: podTemplate(image, "hash-"+string(rune('0'+rev)))},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas},
	}
}

func webPod(name, rs, ip string, ready bool) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{NodeName: "lab-control-plane", Containers: []corev1.Container{{Name: "app", Image: "kubelab/bootcamp:v2"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionStatus(map[bool]string{true: "True", false: "False"}[ready])}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: ready, RestartCount: 3,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
	}
}

func labNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "lab-control-plane", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}},
		Status: corev1.NodeStatus{
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.37.2"},
			Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.2"}},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")},
		},
	}
}

func namespaces(names ...string) []runtime.Object {
	var out []runtime.Object
	for _, n := range names {
		out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}})
	}
	return out
}

// labObjects is the namespace above, plus namespaces default and kube-system.
func labObjects() []runtime.Object {
	return append(namespaces("default", "kube-system"),
		webDeployment(), webReplicaSet(1, "kubelab/bootcamp:v1", 0), webReplicaSet(2, "kubelab/bootcamp:v2", 2),
		webPod("web-c-1", "web-c", "10.244.0.7", true), webPod("web-c-2", "web-c", "10.244.0.8", false), labNode())
}
