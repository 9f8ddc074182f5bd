package cluster

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRetryUntilSuccess(t *testing.T) {
	calls := 0
	err := retry(context.Background(), func() error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("err %v after %d calls, want nil after 3", err, calls)
	}
}

func TestRetryReturnsLastErrorWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	calls := 0
	err := retry(ctx, func() error {
		calls++
		return errors.New("systemd state \"starting\"")
	})
	if err == nil || err.Error() != "systemd state \"starting\"" {
		t.Errorf("want f's last error, got %v", err)
	}
	// Waits of 20+40+80+160 ms fit in a second: the first call and at least four retries.
	if calls < 5 {
		t.Errorf("only %d calls in a second: not backing off from 20 ms", calls)
	}
}
