package metrics

import (
	"bytes"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/todofn/todofn/pkg/wire"
)

// TestBatchedLinesAllArrive: a plain server's batched lines from many
// requests at once all reach the writer, each once and whole, in fewer
// writes than lines when requests pile up; Flush waits for them. The cloud
// formats ignore Batch: their line is out when LogRequest returns.
func TestBatchedLinesAllArrive(t *testing.T) {
	for _, f := range []Format{JSON, Text} {
		var w countingWriter // not safe for concurrent use: two writers at once race
		var all bytes.Buffer
		w.copy = &all
		l := New(Config{Format: f, Out: &w, Batch: true})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 300 {
					r := httptest.NewRequest("GET", "/todos", nil)
					r = r.WithContext(wire.WithRequestID(r.Context(), "g"+string(rune('a'+g))+"-"+itoa(i)))
					l.LogRequest(r, "todos-list", 200, start, end)
				}
			})
		}
		wg.Wait()
		l.Flush()
		if n := bytes.Count(all.Bytes(), []byte("\n")); n != 2400 || w.writes > 2400 {
			t.Errorf("format %d: %d lines in %d writes, want 2400 lines", f, n, w.writes)
		}
		for g := range 8 {
			for i := range 300 {
				id := "g" + string(rune('a'+g)) + "-" + itoa(i)
				if c := bytes.Count(all.Bytes(), []byte("request_id="+id+" ")) + bytes.Count(all.Bytes(), []byte(`"request_id":"`+id+`"`)); c != 1 {
					t.Fatalf("format %d: line %s written %d times", f, id, c)
				}
			}
		}
		t.Logf("format %d: 2400 lines in %d writes", f, w.writes)
	}
	var out bytes.Buffer
	New(Config{Format: EMF, Out: &out, Batch: true}).LogRequest(httptest.NewRequest("GET", "/todos", nil), "todos-list", 200, start, end)
	if bytes.Count(out.Bytes(), []byte("\n")) != 1 {
		t.Errorf("an EMF line was not written at once: %q", out.String())
	}
}

func itoa(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// gatedWriter blocks every write until open is closed.
type gatedWriter struct {
	open chan struct{}
	mu   sync.Mutex
	n    int
}

func (w *gatedWriter) Write(b []byte) (int, error) {
	<-w.open
	w.mu.Lock()
	w.n += bytes.Count(b, []byte("\n"))
	w.mu.Unlock()
	return len(b), nil
}

// TestBatchIsBounded: while the writer is stuck (a full pipe), lines pile
// up only to maxPending; then a request waits, as it waited for its own
// write before; once the writer moves, every line is written.
func TestBatchIsBounded(t *testing.T) {
	w := &gatedWriter{open: make(chan struct{})}
	l := New(Config{Format: JSON, Out: w, Batch: true})
	const lines = 4000 // about 4 × maxPending of lines
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := httptest.NewRequest("GET", "/todos", nil)
		for range lines {
			l.LogRequest(r, "todos-list", 200, start, end)
		}
	}()
	pending := func() int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.pending)
	}
	for pending() < maxPending-512 {
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("all lines were taken while the writer was stuck")
	default:
	}
	if p := pending(); p > maxPending+512 {
		t.Errorf("%d bytes pending, bound %d", p, maxPending)
	}
	close(w.open)
	<-done
	l.Flush()
	if w.n != lines {
		t.Errorf("%d lines written, want %d", w.n, lines)
	}
}
