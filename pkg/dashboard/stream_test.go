package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubelab/kubelab/pkg/dashboard/graph"
)

type sseEvent struct{ name, data string }

// openStream GETs an event stream as the signed-in user and returns its events.
func openStream(t *testing.T, e *env, path string) <-chan sseEvent {
	t.Helper()
	srv := httptest.NewServer(e.srv)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); srv.Close() })
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: tokenCookie, Value: testToken})
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := make(chan sseEvent, 16)
	go func() {
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || data != nil {
					ev.data = strings.Join(data, "\n")
					events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return events
}

func next(t *testing.T, events <-chan sseEvent, name string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended before a %q event", name)
			}
			if ev.name == name {
				return ev.data
			}
			if ev.name == "problem" {
				t.Fatalf("the stream reported a problem: %s", ev.data)
			}
		case <-timeout:
			t.Fatalf("no %q event within 10s", name)
		}
	}
}

func nextGraph(t *testing.T, events <-chan sseEvent) *graph.Graph {
	t.Helper()
	var g graph.Graph
	if err := json.Unmarshal([]byte(next(t, events, "graph")), &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func TestGraphStreamFollowsChanges(t *testing.T) {
	e := fullEnv(t)
	events := openStream(t, e, "/api/graph?ns=default")
	g := nextGraph(t, events)
	ids := map[string]*graph.Node{}
	for _, n := range g.Nodes {
		ids[n.ID] = n
	}
	for _, want := range []string{"Deployment/default/web", "ReplicaSet/default/web-c", "Pod/default/web-c-1", "Service/default/web", "Ingress/default/web", "Node//lab-control-plane"} {
		if ids[want] == nil {
			t.Errorf("the first picture lacks %s", want)
		}
	}
	if ids["Pod/default/web-c-1"] != nil && ids["Pod/default/web-c-1"].Href != "pod?name=web-c-1&ns=default" {
		t.Errorf("a pod's box links to %q", ids["Pod/default/web-c-1"].Href)
	}
	if g.Pods != 2 || len(g.Notes) != 0 {
		t.Errorf("pods %d, notes %v; want 2 and none", g.Pods, g.Notes)
	}

	// The Deployment scales up: a third pod appears without anyone asking.
	if _, err := e.kube.CoreV1().Pods("default").Create(t.Context(), webPod("web-c-3", "web-c", "10.244.0.9", false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	g = nextGraph(t, events)
	found := false
	for _, n := range g.Nodes {
		if n.ID == "Pod/default/web-c-3" {
			found = n.State == "warn"
		}
	}
	if !found || g.Pods != 3 {
		t.Errorf("after a pod was added: pods %d, web-c-3 drawn as starting: %v", g.Pods, found)
	}
}

func TestGraphStreamSaysWhatIsForbidden(t *testing.T) {
	e := fullEnv(t)
	forbid(&e.kube.Fake, "list", "nodes")
	g := nextGraph(t, openStream(t, e, "/api/graph?ns=default"))
	if len(g.Notes) != 1 || !strings.HasPrefix(g.Notes[0], "nodes: forbidden: nodes is forbidden") {
		t.Errorf("notes %q, want one saying nodes are forbidden", g.Notes)
	}
	for _, n := range g.Nodes {
		if n.Kind == graph.KindNode {
			t.Errorf("a forbidden node is drawn: %s", n.ID)
		}
	}
}

func TestWatchStreamSignalsChanges(t *testing.T) {
	e := fullEnv(t)
	events := openStream(t, e, "/api/watch?ns=default&kinds=pods,deployments,nonsense")
	if got := next(t, events, "ready"); got != "pods,deployments" {
		t.Errorf("watching %q, want pods,deployments (unknown kinds dropped)", got)
	}
	if _, err := e.kube.CoreV1().Pods("default").Create(t.Context(), webPod("web-c-3", "web-c", "", false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, events, "change"); got != "pods" {
		t.Errorf("change of %q, want pods", got)
	}
	// A scale from the page: the Deployment changes.
	e.request(http.MethodPost, "/scale", form("ns", "default", "name", "web", "replicas", "3"))
	if got := next(t, events, "change"); got != "deployments" {
		t.Errorf("change of %q, want deployments", got)
	}
}

func TestWatchStreamForbidden(t *testing.T) {
	e := fullEnv(t)
	forbid(&e.kube.Fake, "list", "secrets")
	events := openStream(t, e, "/api/watch?ns=default&kinds=secrets,pods")
	var problem string
	for ev := range events {
		if ev.name == "problem" {
			problem = ev.data
		}
		if ev.name == "ready" {
			break
		}
	}
	if !strings.HasPrefix(problem, "forbidden: secrets is forbidden") {
		t.Errorf("problem %q, want the forbidden message", problem)
	}
}

func TestLogStream(t *testing.T) {
	e := fullEnv(t)
	var asked *corev1.PodLogOptions
	e.kube.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "log" {
			return false, nil, nil
		}
		asked = a.(k8stesting.GenericActionImpl).Value.(*corev1.PodLogOptions)
		return true, &runtime.Unknown{Raw: []byte("listening on :8080\nGET / from 10.244.0.1\n" + strings.Repeat("x", maxLine+10) + "\nlast line")}, nil
	})
	events := openStream(t, e, "/api/logs?ns=default&pod=web-c-1&container=app")
	var lines []string
	for ev := range events {
		if ev.name == "log" {
			lines = append(lines, strings.Split(ev.data, "\n")...)
		}
		if ev.name == "end" {
			break
		}
	}
	if len(lines) != 4 || lines[1] != "GET / from 10.244.0.1" || lines[3] != "last line" || len(lines[2]) > maxLine+10 {
		t.Errorf("log lines %.200q", lines)
	}
	if asked == nil || asked.Container != "app" || !asked.Follow || asked.TailLines == nil || *asked.TailLines != defaultTail {
		t.Errorf("asked the API server for %+v, want container app, follow, the default tail", asked)
	}
}
