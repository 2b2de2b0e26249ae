package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// The list is the hottest answer, so it is appended by hand rather than
// through encoding/json's reflection: appendList writes exactly the bytes
// json.NewEncoder(w).Encode(listBody{…}) writes (wire.WriteJSON), field
// order, escaping and the trailing newline included. TestListJSONIsEncodingJSON
// and FuzzListJSON hold the two to the byte. An engine that keeps its
// todos ready to send writes them into the answer itself
// (todo.TodoAnswer), exactly as appendTodo would (TestAnswerIsTheAPIsEncoding).

// listBuffers keeps answer buffers between requests; one that grew past
// maxPooledBuffer is left to the collector.
var listBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledBuffer = 256 << 10

// listOpening is the answer's JSON before its first todo.
const listOpening = `{"items":[`

// listAnswer takes a pooled buffer with the answer's opening in it, for the
// engine to write the todos into; writeAnswer or dropAnswer gives it back.
func listAnswer() (*[]byte, *todo.TodoAnswer) {
	bp := listBuffers.Get().(*[]byte)
	return bp, &todo.TodoAnswer{Buf: append((*bp)[:0], listOpening...), Todo: appendTodo}
}

// dropAnswer gives an answer's buffer back unsent.
func dropAnswer(bp *[]byte, ans *todo.TodoAnswer) {
	if cap(ans.Buf) <= maxPooledBuffer {
		*bp = ans.Buf[:0]
		listBuffers.Put(bp)
	}
}

// writeList writes a page of todos as GET /todos answers it, with the
// headers and status wire.WriteJSON sets (TestListJSONIsEncodingJSON).
func writeList(w http.ResponseWriter, page *todo.TodoPage, cursor *string) {
	bp, ans := listAnswer()
	writeAnswer(w, bp, ans, page, cursor)
}

// writeAnswer finishes the answer listAnswer began (the page's Items
// unless the engine wrote the todos into ans, then the cursor and the
// counts), writes it as writeList does, and gives the buffer back.
func writeAnswer(w http.ResponseWriter, bp *[]byte, ans *todo.TodoAnswer, page *todo.TodoPage, cursor *string) {
	b := ans.Buf
	if !ans.Written {
		b = appendItems(b, page.Items)
	}
	b = appendListEnd(b, page, cursor)
	h := w.Header()
	h["Content-Type"] = jsonContentType // shared values, as the middleware's (server.go)
	h["Cache-Control"] = noStore
	// Its length, so net/http sends the body as it is rather than chunked:
	// without it an answer larger than the response's 2 KiB buffer goes out
	// in chunks, and the closing empty chunk costs a write of its own
	// (net/http's chunkWriter; TestListHasContentLength).
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // the client went away: nothing to do
	ans.Buf = b
	dropAnswer(bp, ans)
}

// appendList appends the JSON of listBody for page and cursor (nil: null)
// and a newline.
func appendList(b []byte, page *todo.TodoPage, cursor *string) []byte {
	b = append(b, listOpening...)
	b = appendItems(b, page.Items)
	return appendListEnd(b, page, cursor)
}

// appendItems appends the todos' JSON, comma-separated.
func appendItems(b []byte, items []todo.Todo) []byte {
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTodo(b, &items[i])
	}
	return b
}

// appendListEnd appends what follows the todos in listBody's JSON.
func appendListEnd(b []byte, page *todo.TodoPage, cursor *string) []byte {
	b = append(b, `],"nextCursor":`...)
	if cursor == nil {
		b = append(b, "null"...)
	} else {
		b = wire.AppendString(b, *cursor)
	}
	if c := page.Counts; c != nil {
		b = append(b, `,"counts":{"active":`...)
		b = strconv.AppendInt(b, int64(c.Active), 10)
		b = append(b, `,"completed":`...)
		b = strconv.AppendInt(b, int64(c.Completed), 10)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendTodo appends the JSON of toBody(t).
func appendTodo(b []byte, t *todo.Todo) []byte {
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, t.ID)
	b = append(b, `,"title":`...)
	b = wire.AppendString(b, t.Title)
	b = append(b, `,"done":`...)
	b = strconv.AppendBool(b, t.Done)
	b = append(b, `,"createdAt":"`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `","updatedAt":"`...)
	b = appendTime(b, t.UpdatedAt)
	b = append(b, `","version":`...)
	b = strconv.AppendInt(b, t.Version, 10)
	return append(b, '}')
}

// appendTime appends t in UTC as timeFormat does, digit by digit for the
// years 0 to 9999 (what a todo carries) and by AppendFormat otherwise.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, timeFormat)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	b = append(b, decimal[year/1000], decimal[year/100%10], decimal[year/10%10], decimal[year%10], '-')
	b = append2(b, int(month), '-')
	b = append2(b, day, 'T')
	b = append2(b, hour, ':')
	b = append2(b, minute, ':')
	b = append2(b, sec, '.')
	return append(b, decimal[ms/100], decimal[ms/10%10], decimal[ms%10], 'Z')
}

// decimal holds the digits by value.
const decimal = "0123456789"

// append2 appends n (0 to 99) in two digits, then sep.
func append2(b []byte, n int, sep byte) []byte {
	return append(b, decimal[n/10], decimal[n%10], sep)
}
