package password

import (
	"context"
	"runtime"

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

// release gives a slot back; the last running hash to finish then starts a
// collection. argon2 allocates its m MiB afresh for every hash, and the
// collection that a hash's allocation starts finds that buffer live, so it
// sets the next heap goal to about twice it (GOGC=100): after the hash the
// buffer is garbage, but the requests that follow may pile up about as much
// garbage again before the next collection, and resident memory with it.
// Measured by make bench's memory section (1,000 requests after a sign-up):
// register, verify and login peaked at 40.1, 40.1 and 39.6 MB, the hash's
// 19.9 MB plus 20.2 MB, against 15-16 MB for the functions that hash
// nothing; with this collection, 32.8, 33.4 and 32.5 MB. Collecting with
// only the small live heap left sets the goal back to about twice that,
// and the buffer's pages are reused by what follows instead of new ones.
// The collection runs on a goroutine of its own (runtime.GC blocks its
// caller for the whole cycle: 3.3 ms median after a hash on this loaded
// 2-core machine, a tenth of the hash), so no answer waits for it; none
// starts while another hash runs, whose buffer would keep the goal high
// anyway (TestHeapGoalAfterHash, TestCollectsAfterTheLastHash).
func (h *Hasher) release() {
	<-h.slots
	if len(h.slots) == 0 {
		h.collect()
	}
}

// collectInBackground is a Hasher's collect: a collection that no caller
// waits for.
func collectInBackground() { go runtime.GC() }
