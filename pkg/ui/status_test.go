package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Run shows one line per step it runs, skips what says so, and stops at the first failure.
func TestRunStopsAtFirstFailure(t *testing.T) {
	var out bytes.Buffer
	var ran []string
	step := func(name string, err error) Step {
		return Step{Title: name, Run: func(context.Context) error { ran = append(ran, name); return err }}
	}
	skipped := step("skipped", nil)
	skipped.Skip = func() bool { return true }
	boom := errors.New("boom")
	err := NewStatus(&out, false).Run(context.Background(), []Step{step("one", nil), skipped, step("two", boom), step("three", nil)})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if strings.Join(ran, ",") != "one,two" {
		t.Errorf("ran %v", ran)
	}
	text := out.String()
	if !strings.Contains(text, "one") || !strings.Contains(text, "two") || strings.Contains(text, "skipped") || strings.Contains(text, "three") {
		t.Errorf("output:\n%s", text)
	}
}
