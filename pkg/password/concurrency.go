package password

import (
	"context"

	"github.com/todofn/todofn/pkg/todo"
)

// Sizing of the hash slots (Concurrency), in MiB.
const (
	// DefaultMemoryMB is the memory assumed when none is configured, as the
	// app's MEMORY_MB default.
	DefaultMemoryMB = 1024
	// BaselineMB is what the process holds besides hashing. The local
	// server (every route, the embedded store) measured 17 MiB resident
	// idle (14 MiB of it the binary's mapped text); 40 leaves room for a
	// platform's runtime client, extensions and request buffers.
	BaselineMB = 40
	// HeadroomMB is added to each hash for the rest of its request's work
	// (JSON, the store, the runtime's bookkeeping).
	HeadroomMB = 4
)

// Concurrency returns how many hashes with parameters p may run at once in a
// process that may use memoryMB MiB, at least 1:
//
//	(memoryMB - BaselineMB - 2*m) / (2*m + HeadroomMB)
//
// where m is argon2's memory in MiB (19 with DefaultParams). argon2
// allocates its m MiB afresh for every hash, and the Go collector (at the
// default GOGC=100, with no memory limit) lets the heap grow to twice what
// was live at its last collection, so each running hash counts twice; and
// while a collection runs, hashes go on allocating, which the fixed 2*m
// covers. Measured with the local server and 40 log-ins at once (e2e
// TestMemoryUnderLoginBurst): peak resident memory was 17 MiB idle plus
// (2n+2) times 19 MiB with n slots, 96 MiB at most for n=1 and 134 MiB for
// n=2. So DefaultParams get 1 slot in 128 MB, 4 in 256 MB, 10 in 512 MB
// and 22 in 1024 MB. A runtime memory limit (debug.SetMemoryLimit) would
// let the collector work harder instead, and more slots fit.
func Concurrency(memoryMB int, p Params) int {
	m := int((p.Memory + 1023) / 1024)
	return max(1, (memoryMB-BaselineMB-2*m)/(2*m+HeadroomMB))
}

// busy is the error of a call that found no free slot in time.
func busy() error {
	return &todo.Error{Code: todo.Unavailable, RetryAfter: 1, Message: "The server is busy; try again in a moment."}
}

// acquire takes a hash slot, waiting until ctx is done or h.maxWait has
// passed, whichever is sooner; then it fails with busy (also when ctx was
// cancelled: the caller is gone and nothing was hashed). The returned
// function gives the slot back.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	select {
	case h.slots <- struct{}{}:
		return h.release, nil
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, h.maxWait)
	defer cancel()
	select {
	case h.slots <- struct{}{}:
		return h.release, nil
	case <-ctx.Done():
		return nil, busy()
	}
}

func (h *Hasher) release() { <-h.slots }
