package app

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// TestEnginesExplicit: the engines list holds each engine built into this
// binary once, the embedded store (the tests run without no_bolt), and only the embedded store's
// store has the optional capabilities (a change feed, a sweeper).
func TestEnginesExplicit(t *testing.T) {
	names := engineNames()
	if !slices.Contains(names, "bolt") || len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Fatalf("engines %v: want bolt and no duplicates", names)
	}
	a, err := OpenWithLog(ConfigFrom(func(k string) string {
		return map[string]string{"DATA_DIR": t.TempDir()}[k]
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !a.Follow(ctx, func(context.Context, todo.UserChange) error { return nil }) {
		t.Error("the embedded store has no change feed")
	}
	if _, ok := a.Store.(sweeper); !ok {
		t.Error("the embedded store is no sweeper")
	}
}
