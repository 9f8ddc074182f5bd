package cluster

import (
	"strings"
	"testing"
)

func TestBootstrapToken(t *testing.T) {
	tok, err := bootstrapToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 23 || tok[6] != '.' || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz0123456789.") != "" {
		t.Errorf("token %q does not match [a-z0-9]{6}.[a-z0-9]{16}", tok)
	}
}
