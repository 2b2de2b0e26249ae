package bolt_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
)

// TestOpenLockedFailsAtOnce: a file held open by another store (flock
// locks belong to the open file, so a second handle in this process
// stands for another process) makes Open fail with ErrLocked after the
// short default wait, not 10s, and naming the file; once the holder
// closes, Open succeeds.
func TestOpenLockedFailsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "todofn.db")
	holder, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	s, err := bolt.Open(path, bolt.Options{})
	took := time.Since(begin)
	if err == nil {
		s.Close()
		t.Fatal("a second Open of a held file succeeded")
	}
	if !errors.Is(err, bolt.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open: %v; want ErrLocked naming %s", err, path)
	}
	// The default is 100ms; allow for a loaded machine, far below the 10s
	// of shared mode.
	if took > 2*time.Second {
		t.Fatalf("second Open took %s to fail", took)
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("Open after the holder closed: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSharedOpenLockedWaitsLockTimeout: in shared mode Open waits up to
// LockTimeout (others hold the lock for one transaction) and then fails
// with ErrLocked too.
func TestSharedOpenLockedWaitsLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "todofn.db")
	holder := mustOpenPath(t, path, bolt.Options{})
	defer holder.Close()
	const wait = 300 * time.Millisecond
	begin := time.Now()
	_, err := bolt.Open(path, bolt.Options{Shared: true, LockTimeout: wait})
	took := time.Since(begin)
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("shared Open of a held file: %v; want ErrLocked", err)
	}
	// bbolt gives up once less than one 50ms poll is left.
	if took < wait-50*time.Millisecond {
		t.Fatalf("shared Open gave up after %s; LockTimeout is %s", took, wait)
	}
}

func mustOpenPath(t *testing.T, path string, opts bolt.Options) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
