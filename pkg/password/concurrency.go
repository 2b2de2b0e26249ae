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
	// BaselineMB is what the process uses before any hash: the local server
	// (every route) measured 40 MB of resident memory idle, and about as
	// much after a few requests.
	BaselineMB = 40
	// HeadroomMB is added to each hash's own memory for the rest of a
	// request's work (JSON, the store, TLS buffers) and the runtime's
	// bookkeeping.
	HeadroomMB = 4
)

// Concurrency returns how many hashes with parameters p fit at once in a
// process that may use memoryMB MiB: (memoryMB - BaselineMB) / per-hash, at
// least 1. Each hash costs twice its argon2 memory plus HeadroomMB: argon2
// allocates its blocks afresh for every hash, and the Go collector (at the
// default GOGC=100) lets the heap grow to twice what was live at its last
// collection before it runs again, so a finished hash's garbage stays
// resident while the next one runs. With DefaultParams (19 MiB) that is
// 42 MiB a hash: 2 at once in 128 MB, 5 in 256 MB, 23 in 1024 MB.
func Concurrency(memoryMB int, p Params) int {
	perHash := 2*int((p.Memory+1023)/1024) + HeadroomMB
	return max(1, (memoryMB-BaselineMB)/perHash)
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
