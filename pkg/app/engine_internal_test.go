package app

import (
	"io"
	"slices"
	"testing"
)

// TestEnginesExplicit: the engines list holds each engine built into this
// binary once, the embedded store always, and only the embedded store's
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
	if _, ok := a.Store.(changeFeed); !ok {
		t.Error("the embedded store has no change feed")
	}
	if _, ok := a.Store.(sweeper); !ok {
		t.Error("the embedded store is no sweeper")
	}
}
