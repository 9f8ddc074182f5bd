package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestWaitForRetriesUntilSuccess(t *testing.T) {
	calls := 0
	err := waitFor(context.Background(), 5*time.Second, func() error {
		calls++
		if calls < 3 {
			return fmt.Errorf("attempt %d", calls)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("waitFor = %v after %d calls, want success on the third", err, calls)
	}
}

// On timeout, the error is the check's own (what the user needs to see), not a timeout.
func TestWaitForReturnsTheLastError(t *testing.T) {
	calls := 0
	start := time.Now()
	err := waitFor(context.Background(), 300*time.Millisecond, func() error {
		calls++
		return fmt.Errorf("attempt %d", calls)
	})
	if err == nil || err.Error() != fmt.Sprintf("attempt %d", calls) {
		t.Errorf("waitFor = %v after %d calls, want the last check's error", err, calls)
	}
	// It backs off: 50, 100 and 200 ms of delay fit in 300 ms, so four checks at most.
	if calls > 4 {
		t.Errorf("%d checks in 300 ms", calls)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waitFor took %v for a 300 ms timeout", d)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Error("the timeout hid the check's error")
	}
}
