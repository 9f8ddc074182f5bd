package gomod

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/mod/modfile"
)

// ModuleInfo is what `go mod download -json` says of a module version.
type ModuleInfo struct {
	Path, Version, Info, GoMod, Dir string
}

// Download fetches a module version into the module cache.
func Download(ctx context.Context, path, version string) (ModuleInfo, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	var info ModuleInfo
	if jerr := json.Unmarshal(out, &info); jerr != nil || err != nil {
		return info, fmt.Errorf("go mod download %s@%s: %v %s", path, version, err, out)
	}
	return info, nil
}

// Upstream holds the directives of a dependency's go.mod that a wrapper mirrors.
type Upstream struct {
	Go      string
	Godebug []string
	Local   map[string]string // module path => local directory, from its replace directives
	Forks   []string          // its other replace directives, "path => path version"
	Exclude []string          // its exclude directives, "path version"
}

// ReadUpstream downloads a module version and reads its go.mod.
func ReadUpstream(ctx context.Context, path, version string) (Upstream, error) {
	info, err := Download(ctx, path, version)
	if err != nil {
		return Upstream{}, err
	}
	data, err := os.ReadFile(info.GoMod)
	if err != nil {
		return Upstream{}, err
	}
	return parseUpstream(info.GoMod, data)
}

func parseUpstream(name string, data []byte) (Upstream, error) {
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return Upstream{}, err
	}
	up := Upstream{Local: map[string]string{}}
	if f.Go != nil {
		up.Go = f.Go.Version
	}
	for _, d := range f.Godebug {
		up.Godebug = append(up.Godebug, d.Key+"="+d.Value)
	}
	for _, r := range f.Replace {
		if r.New.Version == "" && (strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../")) {
			up.Local[r.Old.Path] = r.New.Path
		} else if r.New.Version != "" {
			old := r.Old.Path
			if r.Old.Version != "" {
				old += " " + r.Old.Version
			}
			up.Forks = append(up.Forks, fmt.Sprintf("%s => %s %s", old, r.New.Path, r.New.Version))
		}
	}
	for _, e := range f.Exclude {
		up.Exclude = append(up.Exclude, e.Mod.Path+" "+e.Mod.Version)
	}
	return up, nil
}
