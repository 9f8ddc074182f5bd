// Package importgraph reads from source which of a module's own packages a package
// imports, directly or not. Tests use it to prove that a list of embedded sources leaves
// no needed package out.
package importgraph

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// Closure returns dirs and the directories of every package of the module they import,
// transitively: module-relative, slash-separated, sorted. root is the module's directory
// (holding go.mod). Test files are not followed; build constraints are ignored, so a file
// for another platform counts too.
func Closure(root string, dirs ...string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	module := modfile.ModulePath(data)
	if module == "" {
		return nil, fmt.Errorf("%s/go.mod names no module", root)
	}
	seen := map[string]bool{}
	var walk func(dir, from string) error
	walk = func(dir, from string) error {
		dir = path.Clean(dir)
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		imports, err := imports(filepath.Join(root, filepath.FromSlash(dir)))
		if err != nil {
			return fmt.Errorf("%s (imported by %s): %w", dir, from, err)
		}
		for _, imp := range imports {
			switch {
			case imp == module:
				err = walk(".", dir)
			case strings.HasPrefix(imp, module+"/"):
				err = walk(strings.TrimPrefix(imp, module+"/"), dir)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, d := range dirs {
		if err := walk(d, "the caller"); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// imports lists the import paths of a directory's non-test Go files.
func imports(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var out []string
	found := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		found = true
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	if !found {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return out, nil
}

// CheckCovers says whether covered lists exactly the packages under prefix that dir
// imports, directly or not (dir included when it is under prefix): the check behind
// every hand-kept list of embedded sources.
func CheckCovers(root, dir, prefix string, covered []string) error {
	closure, err := Closure(root, dir)
	if err != nil {
		return err
	}
	var want []string
	for _, d := range closure {
		if strings.HasPrefix(d, prefix) {
			want = append(want, d)
		}
	}
	got := append([]string(nil), covered...)
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		return fmt.Errorf("the list covers %v; %s is made by %v", got, dir, want)
	}
	return nil
}
