package app

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// TestStreamClaimsDisjoint: no payload is claimed by two engines, so which
// engine reads a stream event does not depend on the order of the engines
// list (nor, as with the old init() registry, on the order of file names):
// the DynamoDB sample is the dynamodb engine's alone, a Tablestore trigger
// (JSON or CBOR) the tablestore engine's alone, and the HTTP events and
// garbage nobody's.
func TestStreamClaimsDisjoint(t *testing.T) {
	trigger := map[string]any{"Version": "Sync-v1", "Records": []any{}}
	cborTrigger, err := cbor.Marshal(trigger)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string // want: the engine that claims it; "" for none
		payload    []byte
	}{
		{"tablestore json", "tablestore", []byte(`{"Version": "Sync-v1", "Records": []}`)},
		{"tablestore cbor", "tablestore", cborTrigger},
		{"garbage", "", []byte("\xff\x00garbage")},
		{"empty object", "", []byte(`{}`)},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("events/*.json: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		if filepath.Base(f) == "mailer.json" {
			want = "dynamodb"
		}
		cases = append(cases, struct {
			name, want string
			payload    []byte
		}{filepath.Base(f), want, b})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var claimed []string
			for _, e := range engines {
				if e.stream != nil && e.stream.claims(tc.payload) {
					claimed = append(claimed, e.name)
				}
			}
			if tc.want != "" && lookupEngine(tc.want) == nil {
				t.Skipf("engine %s is not built in", tc.want)
			}
			if want := slices.DeleteFunc([]string{tc.want}, func(s string) bool { return s == "" }); !slices.Equal(claimed, want) {
				t.Fatalf("claimed by %v, want %v", claimed, want)
			}
		})
	}
}

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
