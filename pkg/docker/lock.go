package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
)

// networkLockPath is the host-wide lock file every kubelab takes around the kubelab
// network. The Docker daemon lets two networks of one name be created at the same
// moment (dockerd 20.10's duplicate check is not atomic), and two creates that chose
// node addresses at the same moment would both pick the same free ones: one lock,
// held from finding the network to creating the node containers on it, prevents both.
// It is a file lock, so it is released when its holder exits, however it exits.
// A fixed directory, not $TMPDIR, which differs between users and sessions.
var networkLockPath = func() string {
	if runtime.GOOS == "windows" {
		return filepath.Join(os.TempDir(), "kubelab-network.lock")
	}
	return "/tmp/kubelab-network.lock"
}()

// networkLockWait is how long a kubelab waits for another one to finish with the network.
const networkLockWait = 3 * time.Minute

// LockNetwork takes the host-wide network lock; unlock releases it.
func (c *Client) LockNetwork(ctx context.Context) (unlock func(), err error) {
	// Readable by all (0644 after the usual umask): flock works on a read-only
	// descriptor, so other users of the same daemon can take the lock too.
	l := flock.New(networkLockPath, flock.SetPermissions(0o644))
	waitCtx, cancel := context.WithTimeout(ctx, networkLockWait)
	defer cancel()
	ok, err := l.TryLockContext(waitCtx, 100*time.Millisecond)
	switch {
	case ok:
		return func() { _ = l.Unlock() }, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("another kubelab has held %s for %s while creating or deleting a cluster: wait for it to finish and retry", networkLockPath, networkLockWait)
	default:
		return nil, fmt.Errorf("lock %s: %w", networkLockPath, err)
	}
}
