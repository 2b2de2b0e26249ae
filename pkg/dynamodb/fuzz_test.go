package dynamodb_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/app/stream"
	"github.com/todofn/todofn/pkg/dynamodb"
	"github.com/todofn/todofn/pkg/todo"
)

// streamSeeds are the real event samples: every file in events/ (the
// mailer's stream event and, as inputs that are no stream event at all,
// the HTTP ones) and in testdata/ (single records, and the malformed ones
// by name).
func streamSeeds(tb testing.TB) (payloads, records [][]byte) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no events/*.json: %v", err)
	}
	local, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range append(files, local...) {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		payloads = append(payloads, b)
		var ev struct{ Records []json.RawMessage }
		if json.Unmarshal(b, &ev) == nil && len(ev.Records) > 0 {
			for _, r := range ev.Records {
				records = append(records, r)
			}
			continue
		}
		var named map[string]json.RawMessage // malformed.json: records by name
		if json.Unmarshal(b, &named) == nil {
			if _, ok := named["eventName"]; ok {
				records = append(records, b) // one record
				continue
			}
			for _, r := range named {
				records = append(records, r)
			}
		}
	}
	for _, r := range records { // each record alone as an event too
		payloads = append(payloads, []byte(`{"Records":[`+string(r)+`]}`))
	}
	return payloads, records
}

// FuzzUserChange decodes arbitrary stream records: none panics, and a
// record that decodes has exactly the images its event name promises.
func FuzzUserChange(f *testing.F) {
	_, records := streamSeeds(f)
	for _, r := range records {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec dynamodb.StreamRecord
		if json.Unmarshal(data, &rec) != nil {
			return
		}
		c, err := dynamodb.UserChange(rec)
		if err != nil {
			if c.Old != nil || c.New != nil {
				t.Fatalf("an error (%v) with a change: %+v", err, c)
			}
			return
		}
		wantOld, wantNew := rec.EventName != "INSERT", rec.EventName != "REMOVE"
		if (c.Old != nil) != wantOld || (c.New != nil) != wantNew {
			t.Fatalf("%s decoded with old=%v new=%v", rec.EventName, c.Old != nil, c.New != nil)
		}
	})
}

// FuzzHandleStream hands arbitrary payloads to DecodeStream and the
// mailer's batch policy for Lambda (stream.Policy.PerRecord), as the
// mailer runs them, with fn failing as fails says (bit i%8 fails the i-th
// call) and, when short, too little time left for any record: no payload
// panics; a payload that is a stream event is answered with a batch
// response that names exactly the records fn failed (or, when short, every
// record); only one that is not JSON of a stream event is an error.
func FuzzHandleStream(f *testing.F) {
	payloads, _ := streamSeeds(f)
	for i, p := range payloads {
		f.Add(p, uint8(i*37), i%5 == 4)
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, payload []byte, fails uint8, short bool) {
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
		margin := time.Duration(0)
		if short {
			margin = 2 * time.Hour
		}
		out, err := stream.Policy{Margin: margin, Log: log}.PerRecord(ctx, payload, dynamodb.DecodeStream, fn)
		var ev dynamodb.StreamEvent
		if err != nil {
			if json.Unmarshal(payload, &ev) == nil {
				t.Fatalf("an error for a payload that decodes: %v", err)
			}
			return
		}
		if json.Unmarshal(payload, &ev) != nil {
			t.Fatalf("no error for a payload that does not decode: %s", out)
		}
		var resp struct {
			BatchItemFailures []struct {
				ItemIdentifier *string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || resp.BatchItemFailures == nil {
			t.Fatalf("not a batch response: %s (%v)", out, err)
		}
		for _, f := range resp.BatchItemFailures {
			if f.ItemIdentifier == nil {
				t.Fatalf("a failure without itemIdentifier: %s", out)
			}
		}
		switch {
		case calls > len(ev.Records):
			t.Fatalf("fn called %d times for %d records", calls, len(ev.Records))
		case short && (calls != 0 || len(resp.BatchItemFailures) != len(ev.Records)):
			t.Fatalf("no time left: fn called %d times, %d of %d records failed", calls, len(resp.BatchItemFailures), len(ev.Records))
		case !short && len(resp.BatchItemFailures) != failed:
			t.Fatalf("fn failed %d times, %d failures reported", failed, len(resp.BatchItemFailures))
		}
	})
}
