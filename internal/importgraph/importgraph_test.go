package importgraph

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The closure follows the module's own imports through every level, including the root
// package, and ignores the standard library, other modules and test files.
func TestClosure(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"go.mod":          "module example.com/m\n\ngo 1.22\n",
		"root.go":         "package m\n",
		"cmd/a/main.go":   "package main\n\nimport (\n\t\"fmt\"\n\t_ \"example.com/m/pkg/b\"\n\t_ \"example.com/other/x\"\n)\n\nvar _ = fmt.Println\n",
		"cmd/a/a_test.go": "package main\n\nimport _ \"example.com/m/pkg/testonly\"\n",
		"pkg/b/b.go":      "package b\n\nimport _ \"example.com/m/pkg/c\"\n",
		"pkg/c/c.go":      "package c\n\nimport _ \"example.com/m\"\n",
		"pkg/unused/u.go": "package unused\n",
	})
	got, err := Closure(root, "cmd/a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".", "cmd/a", "pkg/b", "pkg/c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Closure = %v, want %v", got, want)
	}
}

// An import of a package of the module that has no directory is an error naming it.
func TestClosureMissingPackage(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"go.mod":        "module example.com/m\n",
		"cmd/a/main.go": "package main\n\nimport _ \"example.com/m/pkg/gone\"\n",
	})
	_, err := Closure(root, "cmd/a")
	if err == nil || !strings.Contains(err.Error(), "pkg/gone (imported by cmd/a)") {
		t.Errorf("err = %v, want one naming pkg/gone and its importer", err)
	}
}
