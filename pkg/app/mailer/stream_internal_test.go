package mailer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// TestStreamClaimsDisjoint: no payload is claimed by two engines, so which
// engine reads a stream event does not depend on the order of the engines
// list in codecs (nor, as with the old init() registry, on the order of file names):
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
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "*.json"))
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
			built := false
			for _, c := range codecs() {
				built = built || c.engine == tc.want
				if c.claims(tc.payload) {
					claimed = append(claimed, c.engine)
				}
			}
			if tc.want != "" && !built {
				t.Skipf("engine %s is not built in", tc.want)
			}
			if want := slices.DeleteFunc([]string{tc.want}, func(s string) bool { return s == "" }); !slices.Equal(claimed, want) {
				t.Fatalf("claimed by %v, want %v", claimed, want)
			}
		})
	}
}
