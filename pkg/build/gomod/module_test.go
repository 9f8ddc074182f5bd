package gomod

import (
	"reflect"
	"testing"
)

// Local replaces become Local (a wrapper pins them to a release), versioned ones Forks.
func TestParseUpstream(t *testing.T) {
	up, err := parseUpstream("go.mod", []byte(`module example.com/up

go 1.24.0

godebug (
	default=go1.23
	x509negativeserial=1
)

require example.com/a v1.0.0

replace (
	example.com/api => ./api
	example.com/client => ../client
	example.com/broken v1.2.0 => example.com/fork v1.2.1
	example.com/other => example.com/other2 v0.3.0
)

exclude example.com/bad v0.0.9
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Upstream{
		Go:      "1.24.0",
		Godebug: []string{"default=go1.23", "x509negativeserial=1"},
		Local:   map[string]string{"example.com/api": "./api", "example.com/client": "../client"},
		Forks:   []string{"example.com/broken v1.2.0 => example.com/fork v1.2.1", "example.com/other => example.com/other2 v0.3.0"},
		Exclude: []string{"example.com/bad v0.0.9"},
	}
	if !reflect.DeepEqual(up, want) {
		t.Errorf("parseUpstream = %+v\nwant %+v", up, want)
	}
}

func TestTailLines(t *testing.T) {
	if got := TailLines("a\nb\nc\nd\n", 2); got != "c\nd" {
		t.Errorf("TailLines = %q", got)
	}
	if got := TailLines("a\nb", 5); got != "a\nb" {
		t.Errorf("TailLines = %q", got)
	}
}
