package trigger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/tablestore/trigger"
	"github.com/todofn/todofn/pkg/todo"
)

// triggerSeeds are Tablestore trigger payloads, CBOR and JSON: the console
// event and the fixtures of trigger_test.go, and the users of the real
// stream sample events/mailer.json as the PutRow and DeleteRow records a
// Tablestore trigger would deliver for them.
func triggerSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	seeds := [][]byte{
		[]byte(consoleEvent),
		payload(tb, record("PutRow", pk("ann@example.com"), userColumns())),
		payload(tb, record("DeleteRow", pk("ann@example.com"), nil)),
		payload(tb, record("UpdateRow", pk("ann@example.com"), userColumns()[:2])),
		payload(tb, record("PutRow", pk(int64(7)), userColumns()), record("PutRow", pk("b@example.com"), []any{put("id", true)})),
		[]byte(`{"Version": "Sync-v1", "Records": [`),
		{0xa2},
	}
	var console any
	if err := json.Unmarshal([]byte(consoleEvent), &console); err != nil {
		tb.Fatal(err)
	}
	if b, err := cbor.Marshal(console); err == nil {
		seeds = append(seeds, b)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "mailer.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var ev struct {
		Records []struct {
			EventName string
			Dynamodb  struct {
				Keys, NewImage map[string]map[string]any
			}
		}
	}
	if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) == 0 {
		tb.Fatalf("events/mailer.json: %v", err)
	}
	var records []map[string]any
	for _, r := range ev.Records {
		email, _ := r.Dynamodb.Keys["email"]["S"].(string)
		if r.EventName == "REMOVE" || r.Dynamodb.NewImage == nil {
			records = append(records, record("DeleteRow", pk(email), nil))
			continue
		}
		var cols []any
		for _, name := range slices.Sorted(maps.Keys(r.Dynamodb.NewImage)) {
			if name == "email" {
				continue
			}
			for typ, v := range r.Dynamodb.NewImage[name] {
				if n, ok := v.(string); ok && typ == "N" {
					i, _ := strconv.ParseInt(n, 10, 64)
					v = i
				}
				cols = append(cols, put(name, v))
			}
		}
		records = append(records, record("PutRow", pk(email), cols))
	}
	seeds = append(seeds, payload(tb, records...))
	for _, r := range records {
		seeds = append(seeds, payload(tb, r))
	}
	js, err := json.Marshal(map[string]any{"Version": "Sync-v1", "Records": records})
	if err != nil {
		tb.Fatal(err)
	}
	return append(seeds, js)
}

// records counts the records of a payload the way Decode reads its
// envelope, or reports false when the envelope does not decode.
func records(payload []byte) (int, bool) {
	var top struct{ Records []json.RawMessage }
	if t := bytes.TrimSpace(payload); len(t) > 0 && t[0] == '{' {
		if json.Unmarshal(t, &top) != nil {
			return 0, false
		}
		return len(top.Records), true
	}
	var ctop struct{ Records []cbor.RawMessage }
	if cbor.Unmarshal(payload, &ctop) != nil {
		return 0, false
	}
	return len(ctop.Records), true
}

// FuzzDecode decodes arbitrary payloads: none panics; a payload
// that decodes at all accounts for every record, as a change or in the
// Error (by index, in order, once each); every change has no old
// image and a new one only with an address.
func FuzzDecode(f *testing.F) {
	for _, s := range triggerSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		changes, err := trigger.Decode(payload)
		var te *trigger.Error
		if err != nil && !errors.As(err, &te) {
			if len(changes) > 0 {
				t.Fatalf("%d changes with a plain error: %v", len(changes), err)
			}
			return
		}
		n, ok := records(payload)
		if !ok {
			t.Fatalf("decoded a payload whose envelope does not decode: %d changes, %v", len(changes), err)
		}
		bad := 0
		if te != nil {
			idx := te.Indexes()
			if len(idx) == 0 || !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != len(idx) || idx[0] < 0 || idx[len(idx)-1] >= n {
				t.Fatalf("bad record indexes %v of %d records", idx, n)
			}
			bad = len(idx)
		}
		if len(changes)+bad != n {
			t.Fatalf("%d records: %d changes and %d bad", n, len(changes), bad)
		}
		for _, c := range changes {
			if c.Old != nil || (c.New != nil && c.New.Email == "") {
				t.Fatalf("change %+v", c)
			}
		}
	})
}

// FuzzHandleStream hands arbitrary payloads to DecodeStream and the
// mailer's batch policy for Function Compute (stream.Policy.WholeBatch),
// as the mailer runs them, with fn failing as fails says (bit i%8 fails
// the i-th call): no payload panics or is refused for not decoding (it is skipped); the
// invocation fails exactly when fn failed, else it answers how many
// changes it handled.
func FuzzHandleStream(f *testing.F) {
	for i, s := range triggerSeeds(f) {
		f.Add(s, uint8(i*37))
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, payload []byte, fails uint8) {
		calls, failed := 0, 0
		fn := func(ctx context.Context, c todo.UserChange) error {
			calls++
			if fails>>((calls-1)%8)&1 == 1 {
				failed++
				return errors.New("fuzz: mail not sent")
			}
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		out, err := stream.Policy{Log: log}.WholeBatch(ctx, payload, trigger.DecodeStream, fn)
		if (err != nil) != (failed > 0) {
			t.Fatalf("fn failed %d of %d times, error %v", failed, calls, err)
		}
		if err != nil {
			return
		}
		var resp struct{ Handled *int }
		if json.Unmarshal(out, &resp) != nil || resp.Handled == nil || *resp.Handled != calls {
			t.Fatalf("answer %s after %d calls", out, calls)
		}
	})
}
