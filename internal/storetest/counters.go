package storetest

import (
	"context"
	"testing"
	"time"
)

// addCount is one AddCount call and what it must answer.
type addCount struct {
	name                  string
	key                   string
	delta, floor, ceiling int64
	expires               time.Time
	n                     int64
	ok                    bool
}

// testCounters checks the counter semantics of todo.CounterStore: a
// missing or expired counter counts as 0, a count below floor is raised to
// it, a change beyond ceiling (or below floor) stores nothing and reports
// what the counter holds, and a delta of 0 reads.
func testCounters(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	steps := []addCount{
		{"a missing counter counts from 0", "ip:a", 1, 0, 3, future, 1, true},
		{"second take", "ip:a", 1, 0, 3, future, 2, true},
		{"third take fills the ceiling", "ip:a", 1, 0, 3, future, 3, true},
		{"a take beyond the ceiling is refused with the count", "ip:a", 1, 0, 3, future, 3, false},
		{"the refusal stored nothing", "ip:a", 0, 0, 3, future, 3, true},
		{"a give takes one back", "ip:a", -1, 0, 3, future, 2, true},
		{"a read reads", "ip:a", 0, 0, 3, future, 2, true},
		{"a read above the ceiling reports it", "ip:a", 0, 0, 1, future, 2, false},
		{"a missing counter reads as its floor", "ip:none", 0, 7, 9, future, 7, true},
		{"a count below floor is raised to it", "ip:a", 1, 10, 20, future, 11, true},
		{"a give stops at the floor", "ip:a", -1, 10, 20, future, 10, true},
		{"a give at the floor is refused", "ip:a", -1, 10, 20, future, 10, false},
		{"a give to a missing counter is refused", "ip:b", -1, 0, 5, future, 0, false},
		{"so nothing is stored", "ip:b", 0, 0, 5, future, 0, true},
		{"a missing counter is raised to its floor", "ip:c", 1, 40, 50, future, 41, true},
		{"a missing counter with no room is refused", "ip:d", 1, 50, 50, future, 50, false},
		{"and stores nothing", "ip:d", 0, 0, 50, future, 0, true},
		{"a take of 3", "ip:e", 3, 0, 5, future, 3, true},
		{"a take of 3 that does not fit", "ip:e", 3, 0, 5, future, 3, false},
		{"a counter that expires at once", "ip:f", 2, 0, 5, past, 2, true},
		{"an expired counter reads as 0", "ip:f", 0, 0, 5, future, 0, true},
		{"an expired counter counts from 0", "ip:f", 1, 0, 1, future, 1, true},
		{"and is live again", "ip:f", 0, 0, 5, future, 1, true},
		{"an expired counter counts from the floor", "ip:g", 4, 0, 5, past, 4, true},
		{"raised over an expired count", "ip:g", 1, 2, 5, future, 3, true},
	}
	for _, st := range steps {
		n, ok, err := s.AddCount(ctx, st.key, st.delta, st.floor, st.ceiling, st.expires)
		mustNil(t, err)
		if n != st.n || ok != st.ok {
			t.Fatalf("%s: AddCount(%s, %+d, [%d, %d]) = %d, %v; want %d, %v", st.name, st.key, st.delta, st.floor, st.ceiling, n, ok, st.n, st.ok)
		}
	}
}

// testCountersConcurrent races takes and gives on one counter: exactly as
// many succeed as there is room for, the others are refused, and none
// fails: no engine may answer a concurrent take with an error or a retry
// that loses a count.
func testCountersConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	future := time.Now().Add(time.Hour)
	race3 := func(name string, n int, delta, floor, ceiling int64, wantOK int) {
		t.Helper()
		oks := make([]bool, n)
		errs := race(n, func(i int) (err error) {
			_, oks[i], err = s.AddCount(ctx, "writes:u1", delta, floor, ceiling, future)
			return err
		})
		got := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: call %d: %v", name, i, err)
			}
			if oks[i] {
				got++
			}
		}
		if got != wantOK {
			t.Fatalf("%s: %d of %d calls succeeded, want %d", name, got, n, wantOK)
		}
	}
	read := func(floor int64) int64 {
		t.Helper()
		n, _, err := s.AddCount(ctx, "writes:u1", 0, floor, 1<<40, future)
		mustNil(t, err)
		return n
	}
	race3("200 takes from a ceiling of 100", 200, 1, 0, 100, 100)
	if n := read(0); n != 100 {
		t.Fatalf("after the takes the counter holds %d, want 100", n)
	}
	// A bucket that refilled: the count (100) is below the new floor, so
	// every take first raises it; the raise races too.
	race3("200 takes over a raised floor", 200, 1, 150, 250, 100)
	if n := read(0); n != 250 {
		t.Fatalf("after the raised takes the counter holds %d, want 250", n)
	}
	race3("150 gives above a floor of 150", 150, -1, 150, 250, 100)
	if n := read(0); n != 150 {
		t.Fatalf("after the gives the counter holds %d, want 150", n)
	}
}
