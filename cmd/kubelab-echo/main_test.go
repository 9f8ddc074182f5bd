package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEchoAnswersWithTheRequest(t *testing.T) {
	t.Setenv("POD_NAME", "web-123")
	srv := httptest.NewServer(handler())
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/some/path?x=1", strings.NewReader("hello body"))
	req.Header.Set("X-Test", "yes")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"Hello from kubelab-echo", "pod:    web-123", "request: POST /some/path?x=1", "header: X-Test: yes", "hello body"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("response lacks %q:\n%s", want, body)
		}
	}
}

func TestGetAndLookupExitCodes(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	if code := get([]string{srv.URL + "/"}); code != 0 {
		t.Errorf("get of a working server: exit %d", code)
	}
	if code := get([]string{srv.URL + "/", "http://127.0.0.1:1/"}); code != 1 {
		t.Errorf("get with an unreachable URL: exit %d, want 1", code)
	}
	if code := get([]string{"-retry", "300ms", "http://127.0.0.1:1/"}); code != 1 {
		t.Errorf("get -retry of an unreachable URL: exit %d, want 1", code)
	}
	if code := get(nil); code != 2 {
		t.Errorf("get without URLs: exit %d, want 2", code)
	}
	if code := lookup([]string{"localhost"}); code != 0 {
		t.Errorf("lookup localhost: exit %d", code)
	}
	if code := lookup([]string{"-retry", "200ms", "does-not-exist.invalid"}); code != 1 {
		t.Errorf("lookup of an invalid name: exit %d, want 1", code)
	}
	if code := lookup(nil); code != 2 {
		t.Errorf("lookup without names: exit %d, want 2", code)
	}
}
