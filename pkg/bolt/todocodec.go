package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/todofn/todofn/pkg/todo"
)

// A todo is stored as encoding/json writes a todo.Todo:
//
//	{"ID":"…","UserID":"…","Title":"…","Done":false,"CreatedAt":"<RFC 3339>","UpdatedAt":"…","Version":1}
//
// Listing reads that shape by hand (scanTodo), without reflection and
// without allocating: a page's values are copied into one buffer, turned
// into one string, and each todo's ID and title are slices of it. Anything
// else (an escape in a string, a time not in UTC, a field out of place) is
// left to json.Unmarshal, so the hand reader only has to be right on the
// shape it accepts; TestScanTodoIsUnmarshal checks it against
// json.Unmarshal.
//
// What the hand reader accepts it also writes as the API sends it
// (appendWire), for todo.TodoAnswer: its strings need no escape in the
// answer either (it declines <, >, & and U+2028/U+2029, which
// encoding/json writes escaped anyway), and its times are RFC 3339 in UTC,
// so the answer's millisecond form is the stored text cut, not a time
// parsed and formatted again. TestRawIsTheAPIsEncoding (package api) holds
// the two to the byte.

// scanned is where a todo's strings lie in the page buffer, and its other
// fields (t's strings are left empty).
type scanned struct {
	id, title        [2]int // [start, end) in the page buffer
	created, updated int    // where the times' opening quotes lie in v
	t                todo.Todo
	// noTimes, set before the scan, leaves t's times zero: they are
	// checked, not converted (for appendWire, which copies them).
	noTimes bool
}

// scanTodo reads v, stored at offset off of the page buffer, into sc. It
// reports false when v is not in the shape above.
func scanTodo(v []byte, off int, sc *scanned) bool {
	p := scanner{b: v}
	var ok bool
	if !p.lit(`{"ID":`) {
		return false
	}
	if sc.id, ok = p.str(off); !ok || !p.lit(`,"UserID":`) {
		return false
	}
	if _, ok = p.str(off); !ok || !p.lit(`,"Title":`) {
		return false
	}
	if sc.title, ok = p.str(off); !ok || !p.lit(`,"Done":`) {
		return false
	}
	switch {
	case p.lit("true"):
		sc.t.Done = true
	case p.lit("false"):
		sc.t.Done = false
	default:
		return false
	}
	if !p.lit(`,"CreatedAt":`) {
		return false
	}
	sc.created = p.i
	if sc.t.CreatedAt, ok = p.time(!sc.noTimes); !ok || !p.lit(`,"UpdatedAt":`) {
		return false
	}
	sc.updated = p.i
	if sc.t.UpdatedAt, ok = p.time(!sc.noTimes); !ok || !p.lit(`,"Version":`) {
		return false
	}
	if sc.t.Version, ok = p.int(); !ok || !p.lit("}") {
		return false
	}
	return p.i == len(v)
}

// scanner reads a stored todo left to right.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a JSON string with no escape, no control character and no
// invalid UTF-8 in it (json.Unmarshal would unescape, refuse or replace
// those), and none of what the API's answer escapes (<, >, &, U+2028,
// U+2029: wire.AppendString), and returns where its contents lie, plus off.
func (p *scanner) str(off int) ([2]int, bool) {
	b := p.b
	if p.i >= len(b) || b[p.i] != '"' {
		return [2]int{}, false
	}
	start := p.i + 1
	end := start
	ascii := true
	for end < len(b) {
		c := b[end]
		if plain[c] {
			end++
			continue
		}
		if c == '"' {
			break
		}
		if c < utf8.RuneSelf {
			return [2]int{}, false // a control character, \, <, > or &
		}
		if c == 0xe2 && end+2 < len(b) && b[end+1] == 0x80 && (b[end+2] == 0xa8 || b[end+2] == 0xa9) {
			return [2]int{}, false // U+2028, U+2029
		}
		ascii = false
		end++
	}
	if end == len(b) || !ascii && !utf8.Valid(b[start:end]) {
		return [2]int{}, false
	}
	p.i = end + 1
	return [2]int{off + start, off + end}, true
}

// plain marks the ASCII bytes a string may hold as they are both in
// encoding/json's output and in the API's answer: the printable ones but
// ", \, <, > and &. It is never written after its initialisation.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func (p *scanner) int() (int64, bool) {
	start := p.i
	neg := p.i < len(p.b) && p.b[p.i] == '-'
	if neg {
		p.i++
	}
	digits := p.i
	var n int64
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	switch nd := p.i - digits; {
	case nd == 0, nd > 1 && p.b[digits] == '0': // no leading zero in JSON
		return 0, false
	case nd > 18: // it may not fit: strconv says
		n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
		return n, err == nil
	}
	if neg {
		n = -n
	}
	return n, true
}

// time reads "YYYY-MM-DDTHH:MM:SS[.fraction]Z", as time.Time's
// MarshalJSON writes a UTC time (RFC 3339 with up to nine fraction digits,
// trailing zeros dropped), and returns it if convert is set, else the zero
// Time (the text checked all the same).
func (p *scanner) time(convert bool) (time.Time, bool) {
	b := p.b[p.i:]
	if len(b) < 22 || b[0] != '"' || b[5] != '-' || b[8] != '-' || b[11] != 'T' || b[14] != ':' || b[17] != ':' {
		return time.Time{}, false
	}
	year, month, day := digits(b[1:5]), digits(b[6:8]), digits(b[9:11])
	hour, minute, sec := digits(b[12:14]), digits(b[15:17]), digits(b[18:20])
	i, ns := 20, 0
	if b[i] == '.' {
		i++
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			if n == 9 {
				return time.Time{}, false
			}
			ns = ns*10 + int(b[i]-'0')
			n++
			i++
		}
		if n == 0 {
			return time.Time{}, false
		}
		for ; n < 9; n++ {
			ns *= 10
		}
	}
	if i+1 >= len(b) || b[i] != 'Z' || b[i+1] != '"' || year < 0 || month < 1 || month > 12 ||
		day < 1 || day > daysIn(month, year) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false // time.Date would roll 31 February over; json.Unmarshal refuses it
	}
	p.i += i + 2
	if !convert {
		return time.Time{}, true
	}
	// What time.Date(…, time.UTC) gives, without its normalisation: the
	// fields are in range, checked above.
	unix := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(unix, int64(ns)).UTC(), true
}

// daysSinceEpoch is the number of days from 1970-01-01 to the date, in the
// proleptic Gregorian calendar (Howard Hinnant's days_from_civil,
// https://howardhinnant.github.io/date_algorithms.html#days_from_civil).
func daysSinceEpoch(year, month, day int) int64 {
	y := year
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400                             // [0, 399]
	doy := (153*((month+9)%12)+2)/5 + day - 1      // [0, 365], from 1 March
	doe := yoe*365 + yoe/4 - yoe/100 + doy         // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468 // 719468: days from 0000-03-01 to 1970-01-01
}

// digits reads decimal digits, -1 if there is another byte among them.
func digits(s []byte) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// daysIn is the number of days of month (1 to 12) in year, in the
// proleptic Gregorian calendar time.Parse uses.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendWire appends the todo scanTodo read from v into sc as the API's
// list writes it: {"id","title","done","createdAt","updatedAt","version"},
// the times in UTC to the millisecond. The ID and title are v's bytes as
// they are (str took only strings that need no escape).
func appendWire(b, v []byte, sc *scanned) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, v[sc.id[0]:sc.id[1]]...)
	b = append(b, `","title":"`...)
	b = append(b, v[sc.title[0]:sc.title[1]]...)
	b = append(b, `","done":`...)
	b = strconv.AppendBool(b, sc.t.Done)
	b = append(b, `,"createdAt":"`...)
	b = appendWireTime(b, v[sc.created:])
	b = append(b, `","updatedAt":"`...)
	b = appendWireTime(b, v[sc.updated:])
	b = append(b, `","version":`...)
	b = strconv.AppendInt(b, sc.t.Version, 10)
	return append(b, '}')
}

// appendWireTime appends the time stored at the start of v, as scanner.time
// read it ("YYYY-MM-DDTHH:MM:SS[.fraction]Z", in quotes), as the API writes
// a time: "YYYY-MM-DDTHH:MM:SS.mmmZ", the fraction cut (not rounded) to
// three digits, as time.Format's .000 does.
func appendWireTime(b, v []byte) []byte {
	b = append(b, v[1:20]...)
	b = append(b, '.')
	i := 20
	if v[i] == '.' {
		i++
	}
	for n := 0; n < 3; n++ {
		if c := v[i]; '0' <= c && c <= '9' {
			b = append(b, c)
			i++
		} else {
			b = append(b, '0')
		}
	}
	return append(b, 'Z')
}

// decodeTodo reads a stored todo the slow, general way.
func decodeTodo(k, v []byte) (todo.Todo, error) {
	var t todo.Todo
	if err := json.Unmarshal(v, &t); err != nil {
		return t, fmt.Errorf("bolt: decode todo %q: %w", k, err)
	}
	return t, nil
}

// storedDone reports whether the stored todo v is done. It looks for the
// Done field's bytes: no string of the shape above can hold them, since a
// '"' inside a JSON string is escaped. Another shape is decoded. (A record
// broken elsewhere is counted by its Done bytes; reading it as a todo
// reports it.)
func storedDone(k, v []byte) (bool, error) {
	if i := bytes.Index(v, []byte(`,"Done":`)); i >= 0 {
		rest := v[i+len(`,"Done":`):]
		switch {
		case bytes.HasPrefix(rest, []byte("true,")):
			return true, nil
		case bytes.HasPrefix(rest, []byte("false,")):
			return false, nil
		}
	}
	t, err := decodeTodo(k, v)
	return t.Done, err
}
