package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Load reads a cluster configuration in TOML from a file, or from stdin when path is
// "-". Decoding is strict: unknown keys and values of the wrong type are errors that
// give the file, line and column. The result has defaults filled in but is not
// validated (flags may still change it).
func Load(path string, stdin io.Reader) (*Cluster, error) {
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "<stdin>"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	return c, nil
}

// Decode parses a TOML cluster configuration strictly. Errors start with
// "line:column: ".
func Decode(data []byte) (*Cluster, error) {
	c := &Cluster{}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, describe(err)
	}
	if err := checkAddons(data, c.Addons); err != nil {
		return nil, err
	}
	c.SetDefaults()
	return c, nil
}

// describe turns go-toml's errors into "line:column: what is wrong" lines.
func describe(err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var msgs []string
		for _, e := range strict.Errors {
			row, col := e.Position()
			msgs = append(msgs, fmt.Sprintf("%d:%d: unknown key %q", row, col, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Errorf("%d:%d: %s", row, col, de.Error())
	}
	return fmt.Errorf(" %v", err)
}
