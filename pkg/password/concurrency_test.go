package password

import (
	"context"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

var fastParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// wantBusy fails unless err is the busy error: Unavailable, RetryAfter 1.
func wantBusy(t *testing.T, err error) {
	t.Helper()
	e, ok := err.(*todo.Error)
	if !ok || e.Code != todo.Unavailable || e.RetryAfter != 1 || e.Message != "The server is busy; try again in a moment." {
		t.Fatalf("err = %#v, want the busy error", err)
	}
}

// TestBusy holds every slot and checks that each call waits no longer than
// its bound, then fails as busy without hashing.
func TestBusy(t *testing.T) {
	h := NewHasher(fastParams, WithConcurrency(1), WithMaxWait(20*time.Millisecond))
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	release, err := h.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	tests := []struct {
		name string
		call func() error
	}{
		{"Hash waits the maximum", func() error { _, err := h.Hash("correct horse battery"); return err }},
		{"Verify waits the maximum", func() error { _, err := h.Verify(hash, "correct horse battery"); return err }},
		{"the dummy waits too", func() error { _, err := h.Verify("", "correct horse battery"); return err }},
		{"a nearer deadline wins", func() error {
			_, err := NewHasher(fastParams, WithMaxWait(time.Hour)).withSlots(h.slots).HashContext(expired, "x")
			return err
		}},
		{"a cancelled context", func() error { _, err := h.VerifyContext(cancelled, hash, "x"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			wantBusy(t, tt.call())
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("waited %s", d)
			}
		})
	}
	release()
	if ok, err := h.Verify(hash, "correct horse battery"); !ok || err != nil {
		t.Fatalf("after the slot is free: Verify = %v, %v", ok, err)
	}
	// A malformed hash is refused before waiting.
	release, _ = h.acquire(context.Background())
	defer release()
	if _, err := h.Verify("$2a$10$abc", "x"); err != ErrMalformed {
		t.Fatalf("malformed hash while busy: %v, want ErrMalformed", err)
	}
}

// withSlots shares slots with another Hasher, for TestBusy.
func (h *Hasher) withSlots(s chan struct{}) *Hasher { h.slots = s; return h }

// TestWaitsForASlot: a call that finds every slot taken gets one as soon as
// it is given back, within the wait.
func TestWaitsForASlot(t *testing.T) {
	h := NewHasher(fastParams, WithConcurrency(1), WithMaxWait(time.Hour))
	release, _ := h.acquire(context.Background())
	done := make(chan error)
	go func() { _, err := h.Hash("correct horse battery"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("Hash returned %v while the only slot was taken", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDefaultConcurrency(t *testing.T) {
	if got, want := cap(NewHasher(DefaultParams).slots), Concurrency(DefaultMemoryMB, DefaultParams); got != want {
		t.Fatalf("default slots = %d, want %d", got, want)
	}
	if got := cap(NewHasher(DefaultParams, WithConcurrency(0)).slots); got != 1 {
		t.Fatalf("WithConcurrency(0) gives %d slots, want 1", got)
	}
}

// TestHeapGoalAfterHash: the collection after the last running hash
// frees the heap goal from its buffer. A hash of 32 MiB, whose allocation
// starts a collection that finds the buffer live (a goal of about 64 MiB),
// leaves a goal under 32 MiB once that collection is done, Hash and Verify
// alike. (The collection runs here on the caller's goroutine, to know when
// it is done.)
func TestHeapGoalAfterHash(t *testing.T) {
	h := NewHasher(Params{Memory: 32 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	h.collect = runtime.GC
	goal := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if g := goal(); g >= 32<<20 {
		t.Errorf("heap goal after Hash: %d MiB, want under 32", g>>20)
	}
	if ok, err := h.Verify(hash, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("Verify: %v %v", ok, err)
	}
	if g := goal(); g >= 32<<20 {
		t.Errorf("heap goal after Verify: %d MiB, want under 32", g>>20)
	}
}

// TestCollectsAfterTheLastHash: a hash that ends while another still runs
// starts no collection; the last one to end starts one; a refused call
// (busy, or a password too long) starts none. And the Hasher's own collect
// is the background one.
func TestCollectsAfterTheLastHash(t *testing.T) {
	h := NewHasher(fastParams, WithConcurrency(2), WithMaxWait(time.Millisecond))
	if reflect.ValueOf(h.collect).Pointer() != reflect.ValueOf(collectInBackground).Pointer() {
		t.Error("a new Hasher does not collect in the background")
	}
	collections := 0
	h.collect = func() { collections++ }
	release, err := h.acquire(context.Background()) // another hash running
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash("correct horse battery staple"); err != nil || collections != 0 {
		t.Fatalf("a hash beside another: %v, %d collections, want 0", err, collections)
	}
	release()
	if collections != 1 {
		t.Fatalf("the last hash done: %d collections, want 1", collections)
	}
	if _, err := h.Hash("correct horse battery staple"); err != nil || collections != 2 {
		t.Fatalf("a hash alone: %v, %d collections, want 2", err, collections)
	}
	if _, err := h.Hash(strings.Repeat("x", 4096)); err == nil || collections != 2 {
		t.Fatalf("a refused password: %v, %d collections, want 2", err, collections)
	}
	r1, _ := h.acquire(context.Background())
	r2, _ := h.acquire(context.Background())
	_, err = h.Hash("correct horse battery staple")
	wantBusy(t, err)
	if collections != 2 {
		t.Fatalf("a busy refusal: %d collections, want 2", collections)
	}
	r1()
	r2()
}
