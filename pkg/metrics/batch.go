package metrics

import (
	"net/http"
	"runtime"
	"time"
)

// A plain server's lines go out in batches. Written one write(2) each, the
// lines of a busy server cost it a system call per request and whoever
// reads them (a terminal, a pipe to make run's or make bench's parent
// process) a wake-up per request; on this 2-core machine the reader's
// share was what kept the local server with its log at 0.80-0.89 × its
// throughput with LOG_LEVEL=warn in cmd/bench, while the line itself was
// under 1 % of the server's CPU (a CPU profile under that load). So a
// request's line is appended to a buffer, and one writer goroutine at a
// time writes what has piled up: it first yields (runtime.Gosched), so the
// requests running beside it add their lines to the same write; with
// nothing else to run it writes at once. Like nginx's buffered access_log,
// a line may be written after its answer was sent; unlike it, no timer
// holds a line back: the writer runs as soon as it is scheduled, and a
// server that exits right after its last answer may lose the lines of its
// last moments (Flush waits for them). The buffer is bounded (maxPending):
// beyond it a request waits for the writer, as it waited for the write
// before. The cloud's lines are not batched: Lambda and FC may freeze the
// process once the answer is sent, and their metrics must be out by then.

// maxPending is the most bytes of lines waiting for the writer before a
// request waits too (about 1,000 lines).
const maxPending = 128 << 10

// logBatched appends the line to the pending batch and starts a writer if
// none runs.
func (l *Log) logBatched(r *http.Request, route string, status int, start, end time.Time) {
	l.mu.Lock()
	for len(l.pending) >= maxPending {
		l.cond.Wait()
	}
	l.pending = l.appendRequest(l.pending, r, route, status, start, end)
	run := !l.writing
	l.writing = true
	l.mu.Unlock()
	if run {
		go l.drain()
	}
}

// drain writes the pending lines, batch after batch, until none is left.
func (l *Log) drain() {
	for {
		runtime.Gosched() // the requests running beside this one add their lines first
		l.mu.Lock()
		if len(l.pending) == 0 {
			l.writing = false
			l.cond.Broadcast()
			l.mu.Unlock()
			return
		}
		out := l.pending
		l.pending, l.spare = l.spare[:0], nil
		l.cond.Broadcast()
		l.mu.Unlock()
		l.write(out)
		l.mu.Lock()
		l.spare = out
		l.mu.Unlock()
	}
}

// write writes one batch; a sink that panics loses the batch, not the
// writer's state (the lock is not held here, and writing stays true only
// until the deferred recovery clears it).
func (l *Log) write(b []byte) {
	defer func() {
		if recover() != nil {
			l.mu.Lock()
			l.writing = false
			l.cond.Broadcast()
			l.mu.Unlock()
			runtime.Goexit()
		}
	}()
	_, _ = l.c.Out.Write(b) // a log line that cannot be written is dropped, never the answer
}

// Flush waits until every line logged before it was called is written
// (only batched lines can be waiting).
func (l *Log) Flush() {
	if l == nil {
		return
	}
	l.mu.Lock()
	for l.writing {
		l.cond.Wait()
	}
	l.mu.Unlock()
}
