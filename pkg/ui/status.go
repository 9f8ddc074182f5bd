// Package ui owns everything kubelab writes to the terminal: one status line per step
// (a spinner and the elapsed time on a terminal, plain lines elsewhere), and errors.
package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/briandowns/spinner"
	"golang.org/x/term"
)

// Status prints the progress of a sequence of steps.
type Status struct {
	out         io.Writer
	file        *os.File // out, when it is a terminal
	interactive bool
	quiet       bool

	mu      sync.Mutex
	spin    *spinner.Spinner
	title   string
	started time.Time
}

// NewStatus writes to out; it animates a spinner only when out is a terminal.
// A quiet Status prints nothing at all.
func NewStatus(out io.Writer, quiet bool) *Status {
	s := &Status{out: out, quiet: quiet}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		s.interactive, s.file = true, f
	}
	return s
}

// Discard is a Status that prints nothing (for library callers and tests).
func Discard() *Status { return &Status{out: io.Discard, quiet: true} }

// Start begins a step. A step still running is ended as done first.
func (s *Status) Start(title string) {
	s.End(nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.title, s.started = title, time.Now()
	if s.quiet {
		return
	}
	if !s.interactive {
		fmt.Fprintf(s.out, " • %s ...\n", title)
		return
	}
	sp := spinner.New(spinner.CharSets[14], 100*time.Millisecond, spinner.WithWriterFile(s.file))
	sp.Prefix = " "
	started := s.started
	sp.PreUpdate = func(sp *spinner.Spinner) {
		sp.Suffix = fmt.Sprintf(" %s (%s)", title, elapsed(time.Since(started)))
	}
	sp.Start()
	s.spin = sp
}

// End finishes the running step, marking it failed when err is not nil.
func (s *Status) End(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.title == "" {
		return
	}
	took := elapsed(time.Since(s.started))
	if s.spin != nil {
		s.spin.Stop()
		s.spin = nil
	}
	if !s.quiet {
		mark := "✓"
		if err != nil {
			mark = "✗"
		}
		fmt.Fprintf(s.out, " %s %s (%s)\n", mark, s.title, took)
	}
	s.title = ""
}

// Infof prints an informational line outside of any step.
func (s *Status) Infof(format string, args ...any) {
	if s.quiet {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format+"\n", args...)
}

func elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// Step is one unit of long work, shown as one status line.
type Step struct {
	Title string
	Run   func(context.Context) error
	Skip  func() bool // nil: always run; true: nothing to do, no line
}

// Run runs steps in order, a status line each, and stops at the first that fails.
func (s *Status) Run(ctx context.Context, steps []Step) error {
	for _, step := range steps {
		if step.Skip != nil && step.Skip() {
			continue
		}
		s.Start(step.Title)
		err := step.Run(ctx)
		s.End(err)
		if err != nil {
			return err
		}
	}
	return nil
}
