package metrics

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/todofn/todofn/pkg/wire"
)

// A plain server's line is the access line the API wrote through log/slog
// before (slog.LogAttrs at INFO, msg "request"), appended by hand: the
// same members in the same order, so that a reader of the local logs sees
// no change, for a fraction of the cost (no Record, no attrs, no handler
// lock, no json.Marshal of the float). TestAccessLinesAreSlogs holds both
// shapes to slog's own handlers.

// appendAccessJSON appends the line slog.NewJSONHandler writes for the
// access record: time (RFC 3339 with nanoseconds, local zone), level,
// msg, request_id, route, method, path, status, latency_ms. Strings are
// escaped as encoding/json escapes them (wire.AppendString); slog leaves
// <, > and & as they are, which decodes to the same string.
func appendAccessJSON(b []byte, at time.Time, id, route, method, path string, status int, latencyMs float64) []byte {
	b = append(b, `{"time":"`...)
	b = at.Round(0).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"`+MetricsMsg+`","request_id":`...)
	b = wire.AppendString(b, id)
	b = append(b, `,"route":`...)
	b = wire.AppendString(b, route)
	b = append(b, `,"method":`...)
	b = wire.AppendString(b, method)
	b = append(b, `,"path":`...)
	b = wire.AppendString(b, path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"latency_ms":`...)
	b = wire.AppendFloat(b, latencyMs)
	return append(b, "}\n"...)
}

// appendAccessText appends the line slog.NewTextHandler writes for the
// access record: key=value pairs, the time to the millisecond, a value
// quoted (strconv.Quote) when slog's text handler would quote it.
func appendAccessText(b []byte, at time.Time, id, route, method, path string, status int, latencyMs float64) []byte {
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, at.Round(0))
	b = append(b, " level=INFO msg="+MetricsMsg+" request_id="...)
	b = appendTextString(b, id)
	b = append(b, " route="...)
	b = appendTextString(b, route)
	b = append(b, " method="...)
	b = appendTextString(b, method)
	b = append(b, " path="...)
	b = appendTextString(b, path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " latency_ms="...)
	b = strconv.AppendFloat(b, latencyMs, 'g', -1, 64)
	return append(b, '\n')
}

// appendRFC3339Millis is log/slog's (handler.go, Go 1.26): RFC 3339 to
// the millisecond, always three digits.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the 4th digit
}

// appendTextString appends s as slog's text handler does: as it is, or
// quoted by strconv when it is empty or holds a space, an '=', a
// character JSON would escape (but '\'), an invalid byte, or a Unicode
// space or unprintable rune (text_handler.go's needsQuoting, Go 1.26).
func appendTextString(b []byte, s string) []byte {
	if textNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func textNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// encoding/json's safeSet: all but the control characters, " and \.
			if c != '\\' && (c == ' ' || c == '=' || c < 0x20 || c == '"') {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
