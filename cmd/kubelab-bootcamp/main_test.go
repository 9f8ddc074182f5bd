package main

import "testing"

func TestGreeting(t *testing.T) {
	version = "2"
	if got, want := greeting("web-abc"), "Hello Kubernetes bootcamp! | Running on: web-abc | v=2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
