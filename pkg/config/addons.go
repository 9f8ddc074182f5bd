package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/kubelab/kubelab/pkg/addons/catalog"
)

// Addons chooses the add-ons a new cluster gets, by the names `kubelab addons list`
// prints; each is on unless set to false. The names come from package catalog, the one
// list of add-ons, so a new add-on needs no change here.
type Addons map[string]bool

// Enabled says whether the add-on of a name is chosen (unknown names are not).
func (a Addons) Enabled(name string) bool {
	on, set := a[name]
	return catalog.Known(name) && (!set || on)
}

// unknown returns the names that are no add-on, sorted.
func (a Addons) unknown() []string {
	var names []string
	for name := range a {
		if !catalog.Known(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// unknownAddon is the error for an [addons] key that names no add-on.
func unknownAddon(name string) error {
	return fmt.Errorf("unknown add-on %q (known: %s)", name, strings.Join(slices.Sorted(slices.Values(catalog.Names())), ", "))
}

// checkAddons reports, like strict decoding does for other keys, each [addons] key of a
// decoded document that names no add-on, with its line and column.
func checkAddons(data []byte, a Addons) error {
	var msgs []string
	for _, name := range a.unknown() {
		line, col, ok := keyPosition(data, "addons", name)
		if !ok {
			msgs = append(msgs, fmt.Sprintf(" addons: %v", unknownAddon(name)))
			continue
		}
		msgs = append(msgs, fmt.Sprintf("%d:%d: %v", line, col, unknownAddon(name)))
	}
	if msgs == nil {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// keyPosition finds where a key of a top-level table is set in a TOML document, however
// it is written: under a [table] header, as a dotted key (table.key = ...) or in an
// inline table (table = { key = ... }).
func keyPosition(data []byte, path ...string) (line, column int, ok bool) {
	var p unstable.Parser
	p.Reset(data)
	var header []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			header = keyParts(e.Key())
		case unstable.KeyValue:
			if k := findKey(header, e, path); k != nil {
				pos := p.Shape(k.Raw).Start
				return pos.Line, pos.Column, true
			}
		}
	}
	return 0, 0, false
}

// findKey returns the first key node of the key-value that sets path, looking into
// inline tables; prefix is the key of the table the key-value is in.
func findKey(prefix []string, kv *unstable.Node, path []string) *unstable.Node {
	full := append(slices.Clone(prefix), keyParts(kv.Key())...)
	if slices.Equal(full, path) {
		it := kv.Key()
		it.Next()
		return it.Node()
	}
	if v := kv.Value(); v.Kind == unstable.InlineTable && len(full) < len(path) && slices.Equal(full, path[:len(full)]) {
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				if k := findKey(full, c, path); k != nil {
					return k
				}
			}
		}
	}
	return nil
}

// keyParts are the parts of a dotted key.
func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}
