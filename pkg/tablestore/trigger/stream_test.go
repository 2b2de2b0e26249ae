package trigger_test

import (
	"testing"

	"github.com/todofn/todofn/pkg/tablestore/trigger"
)

// TestDecodeStreamOrder: DecodeStream keeps the payload's order, a record
// that does not decode in its place with its error, and gives no IDs (the
// trigger retries whole batches).
func TestDecodeStreamOrder(t *testing.T) {
	p := payload(t,
		record("PutRow", pk("ann@example.com"), userColumns()),
		record("PutRow", pk(int64(7)), userColumns()),
		record("DeleteRow", pk("bob@example.com"), nil))
	recs, err := trigger.DecodeStream(p)
	if err != nil || len(recs) != 3 {
		t.Fatalf("DecodeStream = %d records, %v; want 3", len(recs), err)
	}
	if recs[0].Err != nil || recs[0].Change.New == nil || recs[0].Change.New.Email != "ann@example.com" {
		t.Errorf("record 0 = %+v, want ann's PutRow", recs[0])
	}
	if recs[1].Err == nil {
		t.Errorf("record 1 = %+v, want its error", recs[1])
	}
	if recs[2].Err != nil || recs[2].Change.New != nil {
		t.Errorf("record 2 = %+v, want the DeleteRow", recs[2])
	}
	for i, r := range recs {
		if r.ID != "" {
			t.Errorf("record %d has ID %q", i, r.ID)
		}
	}
	if _, err := trigger.DecodeStream([]byte(`{"Version":"Sync-v0","Records":[]}`)); err == nil {
		t.Error("DecodeStream accepted another Version")
	}
}
