package trigger_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/todofn/todofn/pkg/tablestore/trigger"
	"github.com/todofn/todofn/pkg/todo"
)

// Fixtures follow the documented layout of the Tablestore trigger event,
// built from plain maps so they do not depend on the package's own types.

func pk(email any) []any { return []any{map[string]any{"ColumnName": "email", "Value": email}} }

func put(name string, v any) map[string]any {
	return map[string]any{"Type": "Put", "ColumnName": name, "Value": v, "Timestamp": int64(1764237600000)}
}

func userColumns() []any {
	return []any{
		put("codeAttempts", int64(2)),
		put("codeExpires", "2026-11-27T10:15:00Z"),
		put("createdAt", "2026-11-27T10:00:00Z"),
		put("id", "01JDQ6Z3R6W2M8K4Y5C7N9P0AB"),
		put("name", "Ann Example"),
		put("passwordHash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
		put("status", "pending"),
		put("codeNonce", "nonce-1"),
		put("version", int64(3)),
	}
}

func record(typ string, key []any, cols []any) map[string]any {
	r := map[string]any{"Type": typ, "Info": map[string]any{"Timestamp": int64(1764237600000123)}, "PrimaryKey": key}
	if cols != nil {
		r["Columns"] = cols
	}
	return r
}

func payload(tb testing.TB, records ...map[string]any) []byte {
	tb.Helper()
	b, err := cbor.Marshal(map[string]any{"Version": "Sync-v1", "Records": records})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var wantAnn = todo.User{
	ID: "01JDQ6Z3R6W2M8K4Y5C7N9P0AB", Email: "ann@example.com", Name: "Ann Example",
	PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Status: todo.StatusPending,
	CodeNonce: "nonce-1", CodeExpires: time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC),
	CreatedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Version: 3,
}

// consoleEvent is a JSON test event of the same layout, as the console's
// trigger test takes it.
const consoleEvent = `{
  "Version": "Sync-v1",
  "Records": [{
    "Type": "PutRow",
    "Info": {"Timestamp": 1764237600000123},
    "PrimaryKey": [{"ColumnName": "email", "Value": "ann@example.com"}],
    "Columns": [
      {"Type": "Put", "ColumnName": "id", "Value": "01JDQ6Z3R6W2M8K4Y5C7N9P0AB", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "name", "Value": "Ann Example", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "passwordHash", "Value": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "status", "Value": "pending", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "codeNonce", "Value": "nonce-1", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "codeExpires", "Value": "2026-11-27T10:15:00Z", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "codeAttempts", "Value": 2, "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "createdAt", "Value": "2026-11-27T10:00:00Z", "Timestamp": 1764237600000},
      {"Type": "Put", "ColumnName": "version", "Value": 3, "Timestamp": 1764237600000}
    ]
  }]
}`

func TestDecode(t *testing.T) {
	without := func(name string) []any {
		var out []any
		for _, c := range userColumns() {
			if c.(map[string]any)["ColumnName"] != name {
				out = append(out, c)
			}
		}
		return out
	}
	tests := []struct {
		name     string
		payload  func(testing.TB) []byte
		want     []*todo.User // New of each change, in order; nil for a delete
		wantBad  []int        // indexes in the *Error
		wantFail bool         // a plain error, no changes
	}{
		{name: "cbor put", payload: func(tb testing.TB) []byte {
			return payload(tb, record("PutRow", pk("ann@example.com"), userColumns()))
		}, want: []*todo.User{&wantAnn}},
		{name: "json console event", payload: func(testing.TB) []byte { return []byte(consoleEvent) }, want: []*todo.User{&wantAnn}},
		{name: "delete row", payload: func(tb testing.TB) []byte {
			return payload(tb, record("DeleteRow", pk("ann@example.com"), nil))
		}, want: []*todo.User{nil}},
		{name: "deleted column is absent", payload: func(tb testing.TB) []byte {
			cols := append(userColumns(), map[string]any{"Type": "DeleteAllVersions", "ColumnName": "codeNonce", "Timestamp": int64(1)})
			return payload(tb, record("PutRow", pk("ann@example.com"), cols))
		}, want: []*todo.User{func() *todo.User { u := wantAnn; u.CodeNonce = ""; return &u }()}},
		{name: "non-users record among good ones", payload: func(tb testing.TB) []byte {
			todoKey := []any{map[string]any{"ColumnName": "userId", "Value": "u1"}, map[string]any{"ColumnName": "id", "Value": "t1"}}
			return payload(tb,
				record("PutRow", pk("ann@example.com"), userColumns()),
				record("PutRow", todoKey, []any{put("title", "milk")}),
				record("DeleteRow", pk("bob@example.com"), nil))
		}, want: []*todo.User{&wantAnn, nil}, wantBad: []int{1}},
		{name: "records missing fields", payload: func(tb testing.TB) []byte {
			noType := record("PutRow", pk("ann@example.com"), userColumns())
			delete(noType, "Type")
			noValue := userColumns()
			noValue[0] = map[string]any{"Type": "Put", "ColumnName": "codeAttempts"}
			return payload(tb,
				noType,
				record("PutRow", pk("ann@example.com"), without("id")),
				record("PutRow", pk("ann@example.com"), noValue),
				record("PutRow", nil, userColumns()),
				record("PutRow", pk("ann@example.com"), userColumns()))
		}, want: []*todo.User{&wantAnn}, wantBad: []int{0, 1, 2, 3}},
		{name: "wrong types", payload: func(tb testing.TB) []byte {
			cols := userColumns()
			cols[8] = put("version", "three")
			return payload(tb,
				record("PutRow", pk(int64(7)), userColumns()),
				record("PutRow", pk("ann@example.com"), cols),
				record("PutRow", pk("ann@example.com"), append(without("createdAt"), put("createdAt", "yesterday"))))
		}, wantBad: []int{0, 1, 2}},
		{name: "update row is refused", payload: func(tb testing.TB) []byte {
			return payload(tb, record("UpdateRow", pk("ann@example.com"), []any{put("name", "Ann")}))
		}, wantBad: []int{0}},
		{name: "a record that is not a map", payload: func(tb testing.TB) []byte {
			b, err := cbor.Marshal(map[string]any{"Version": "Sync-v1", "Records": []any{"oops", record("DeleteRow", pk("a@example.com"), nil)}})
			if err != nil {
				tb.Fatal(err)
			}
			return b
		}, want: []*todo.User{nil}, wantBad: []int{0}},
		{name: "no records", payload: func(tb testing.TB) []byte { return payload(tb) }},
		{name: "empty payload", payload: func(testing.TB) []byte { return nil }, wantFail: true},
		{name: "garbage", payload: func(testing.TB) []byte { return []byte{0xff, 0x00, 0x13} }, wantFail: true},
		{name: "truncated cbor", payload: func(tb testing.TB) []byte {
			b := payload(tb, record("PutRow", pk("ann@example.com"), userColumns()))
			return b[:len(b)/2]
		}, wantFail: true},
		{name: "bad json", payload: func(testing.TB) []byte { return []byte(`{"Version": "Sync-v1", "Records": [`) }, wantFail: true},
		{name: "other version", payload: func(tb testing.TB) []byte {
			b, _ := cbor.Marshal(map[string]any{"Version": "Sync-v2", "Records": []any{}})
			return b
		}, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, err := trigger.Decode(tt.payload(t))
			if tt.wantFail {
				var te *trigger.Error
				if err == nil || errors.As(err, &te) || changes != nil {
					t.Fatalf("Decode = %v, %v; want a plain error and no changes", changes, err)
				}
				return
			}
			var te *trigger.Error
			switch {
			case len(tt.wantBad) == 0 && err != nil:
				t.Fatalf("Decode error: %v", err)
			case len(tt.wantBad) > 0 && !errors.As(err, &te):
				t.Fatalf("Decode error = %v, want a *Error", err)
			case te != nil && !slices.Equal(te.Indexes(), tt.wantBad):
				t.Fatalf("bad records %v (%v), want %v", te.Indexes(), err, tt.wantBad)
			}
			if len(changes) != len(tt.want) {
				t.Fatalf("%d changes, want %d: %+v", len(changes), len(tt.want), changes)
			}
			for i, want := range tt.want {
				c := changes[i]
				if c.Old != nil {
					t.Errorf("change %d has an old image", i)
				}
				if fmt.Sprint(c.New) != fmt.Sprint(want) || (want != nil && *c.New != *want) {
					t.Errorf("change %d:\n got %+v\nwant %+v", i, c.New, want)
				}
			}
		})
	}
}

func TestErrorNamesRecordsAndFields(t *testing.T) {
	noVersion := userColumns()[:8]
	_, err := trigger.Decode(payload(t,
		record("PutRow", pk("ann@example.com"), userColumns()),
		record("PutRow", pk("ann@example.com"), noVersion)))
	want := "trigger: record 1: user ann@example.com: missing column version"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

func TestErrorNamesColumns(t *testing.T) {
	tests := []struct {
		col  map[string]any
		want string
	}{
		{map[string]any{"Type": "Put", "ColumnName": int64(7), "Value": "x"}, `Columns[1]: `},
		{map[string]any{"ColumnName": "name", "Value": "x"}, `Columns[1] (name): `},
		{map[string]any{"Type": "Put", "ColumnName": "name"}, `Columns[1] (name): missing Value`},
		{map[string]any{"Type": "Put", "ColumnName": "name", "Value": []any{"x"}}, `Columns[1] (name): unsupported value of type []interface {}`},
		{map[string]any{"Type": "Increment", "ColumnName": "name", "Value": int64(1)}, `Columns[1] (name): unknown Type "Increment"`},
	}
	for _, tt := range tests {
		cols := append(userColumns()[:1:1], tt.col)
		_, err := trigger.Decode(payload(t, record("PutRow", pk("ann@example.com"), cols)))
		prefix := "trigger: record 0: " + tt.want
		if err == nil || !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("column %v: error = %v, want it to start %q", tt.col, err, prefix)
		}
	}
}
