package bolt

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// checkScan fails unless scanTodo reads v as json.Unmarshal does, or
// declines it; want says whether it must read it by hand.
func checkScan(t *testing.T, v []byte, byHand bool) {
	t.Helper()
	var ref todo.Todo
	refErr := json.Unmarshal(v, &ref)
	const off = 7 // v as if it sat at offset 7 of a page buffer
	buf := append([]byte("1234567"), v...)
	var sc scanned
	ok := scanTodo(v, off, &sc)
	if ok != byHand {
		t.Fatalf("scanTodo(%s) = %v, want %v", v, ok, byHand)
	}
	nt := scanned{noTimes: true} // the same but for the times
	if scanTodo(v, off, &nt) != ok || ok && (nt.id != sc.id || nt.title != sc.title || nt.created != sc.created ||
		nt.updated != sc.updated || nt.t != (todo.Todo{Done: sc.t.Done, Version: sc.t.Version})) {
		t.Fatalf("scanTodo(%s) without the times = %+v, with: %+v", v, nt, sc)
	}
	if refErr != nil {
		if ok {
			t.Fatalf("%s: json.Unmarshal refuses it (%v), the hand reader took it", v, refErr)
		}
		return // storedDone may count a broken record by its Done bytes
	}
	done, doneErr := storedDone(nil, v)
	if doneErr != nil || done != ref.Done {
		t.Fatalf("storedDone(%s) = %v, %v; want %v", v, done, doneErr, ref.Done)
	}
	if !ok {
		return
	}
	got := sc.t
	got.ID, got.Title, got.UserID = string(buf[sc.id[0]:sc.id[1]]), string(buf[sc.title[0]:sc.title[1]]), ref.UserID
	if got != ref {
		t.Fatalf("scanTodo(%s) =\n%+v\njson.Unmarshal:\n%+v", v, got, ref)
	}
}

// TestScanTodoIsUnmarshal: the list's hand reader gives what json.Unmarshal
// gives for every todo encoding/json writes (titles of every kind, times
// with and without fractions, versions), and declines, for json.Unmarshal
// to read, whatever it does not read exactly: escapes, zones other than
// UTC, stray bytes, and what the API's answer escapes (<, >, &, U+2028,
// U+2029), which encoding/json writes escaped anyway.
func TestScanTodoIsUnmarshal(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 5, 9, 123456789, time.UTC)
	titles := []string{"Buy milk", "", "Grüße, 日本, 🎉", `quote "`, `back\slash`, "<&>", "tab\t", "bad \xff", "\u2028",
		strings.Repeat("long ", 100)}
	times := []time.Time{at, at.Truncate(time.Second), at.Truncate(time.Millisecond), at.Truncate(10 * time.Microsecond),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 1, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 2, 29, 23, 59, 59, 0, time.UTC), time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)}
	for i, title := range titles {
		for j, ct := range times {
			td := todo.Todo{ID: "01KBXID", UserID: "user-1", Title: title, Done: (i+j)%2 == 0,
				CreatedAt: ct, UpdatedAt: times[(j+1)%len(times)], Version: int64(i*j*1000 + 1)}
			v, _ := json.Marshal(td)
			plain := !strings.ContainsAny(string(v[strings.Index(string(v), `"Title":`):strings.Index(string(v), `,"Done"`)]), `\`)
			checkScan(t, v, plain)
		}
	}
	declined := []string{
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09+01:00","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-02-31T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2025-02-29T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-04-31T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"1900-02-29T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T24:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09.Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09.1234567891Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":01}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1.0}`,
		`{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1} `,
		`{"ID":"a","UserID":"u","Title":"t","Done":1,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"UserID":"u","ID":"a","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		"{\"ID\":\"a\",\"UserID\":\"u\",\"Title\":\"t\x01\",\"Done\":true,\"CreatedAt\":\"2026-12-06T08:05:09Z\",\"UpdatedAt\":\"2026-12-06T08:05:09Z\",\"Version\":1}",
		"{\"ID\":\"a\",\"UserID\":\"u\",\"Title\":\"t\xff\",\"Done\":false,\"CreatedAt\":\"2026-12-06T08:05:09Z\",\"UpdatedAt\":\"2026-12-06T08:05:09Z\",\"Version\":1}",
		`{"ID":"a","UserID":"u","Title":"raw <","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		`{"ID":"a&","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":1}`,
		"{\"ID\":\"a\",\"UserID\":\"u\",\"Title\":\"raw \u2029\",\"Done\":true,\"CreatedAt\":\"2026-12-06T08:05:09Z\",\"UpdatedAt\":\"2026-12-06T08:05:09Z\",\"Version\":1}",
		`{"ID":"a","UserID":"u","Title":"t","Done":true}`,
		`not json`,
	}
	for _, v := range declined {
		checkScan(t, []byte(v), false)
	}
	for _, version := range []string{"0", "-0", "7", "-7", "999999999999999999", "1000000000000000000", "-1000000000000000000",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "99999999999999999999"} {
		v := `{"ID":"a","UserID":"u","Title":"t","Done":true,"CreatedAt":"2026-12-06T08:05:09Z","UpdatedAt":"2026-12-06T08:05:09Z","Version":` + version + `}`
		var ref todo.Todo
		checkScan(t, []byte(v), json.Unmarshal([]byte(v), &ref) == nil) // by hand unless it does not fit
	}
}

// TestDaysSinceEpoch: the hand reader's calendar is time.Date's on every
// day of the years a stored time has (0 to 9999).
func TestDaysSinceEpoch(t *testing.T) {
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 10000; d = d.AddDate(0, 0, 1) {
		if got, want := daysSinceEpoch(d.Year(), int(d.Month()), d.Day()), d.Unix()/86400; got != want {
			t.Fatalf("daysSinceEpoch(%s) = %d, want %d", d.Format(time.DateOnly), got, want)
		}
	}
}
