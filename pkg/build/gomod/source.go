package gomod

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// PackageSource is the Go code of one of kubelab's packages that decides what goes into
// an image. The builders put the sources of every such package into the image's inputs
// hash, so a change to how images are made rebuilds them, with no version number to
// remember to bump.
type PackageSource struct {
	Dir string // module-relative directory, e.g. pkg/build/gomod
	// Files is the package directory embedded with the pattern *.go, so that a file added
	// to the package cannot be left out.
	Files fs.FS
}

// GoFiles lists the package's non-test Go files, sorted: what HashSources hashes (a
// change to a test changes no image).
func (s PackageSource) GoFiles() ([]string, error) {
	matches, err := fs.Glob(s.Files, "*.go")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			files = append(files, m)
		}
	}
	sort.Strings(files)
	return files, nil
}

// HashSources hashes the non-test Go files of packages, with their directories.
func HashSources(srcs ...PackageSource) (string, error) {
	h := sha256.New()
	for _, s := range srcs {
		files, err := s.GoFiles()
		if err != nil {
			return "", err
		}
		if len(files) == 0 {
			return "", fmt.Errorf("%s: no Go files embedded", s.Dir)
		}
		for _, f := range files {
			data, err := fs.ReadFile(s.Files, f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s/%s\x00%d\x00", s.Dir, f, len(data))
			h.Write(data)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

//go:embed *.go
var goFiles embed.FS

// Source is this package's code: it builds the binaries and hashes every image's inputs.
var Source = PackageSource{Dir: "pkg/build/gomod", Files: goFiles}

// CheckSource compares a package's embedded source with the Go files of the working
// directory, which is the package's own while its tests run: each builder package's test
// calls it, so a file the embedding missed, or a wrong Dir, fails the tests.
func CheckSource(s PackageSource) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if !strings.HasSuffix(filepath.ToSlash(wd), "/"+s.Dir) {
		return fmt.Errorf("source says it is %s, but the package is %s", s.Dir, wd)
	}
	entries, err := os.ReadDir(wd)
	if err != nil {
		return err
	}
	var onDisk []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			onDisk = append(onDisk, n)
		}
	}
	embedded, err := s.GoFiles()
	if err != nil {
		return err
	}
	if !slices.Equal(embedded, onDisk) {
		return fmt.Errorf("%s: embedded Go files %v, the directory has %v", s.Dir, embedded, onDisk)
	}
	return nil
}
