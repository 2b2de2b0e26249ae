package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// logLines returns the log lines of buf, decoded.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// checkPanicLogged checks buf holds exactly one panic line, for requestID.
func checkPanicLogged(t *testing.T, buf *bytes.Buffer, requestID, value string) {
	t.Helper()
	lines := logLines(t, buf)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want exactly one:\n%s", len(lines), buf)
	}
	l := lines[0]
	if l["msg"] != PanicMsg || l["level"] != "ERROR" || l["requestId"] != requestID || l["panic"] != value ||
		!strings.Contains(l["stack"].(string), "panic") {
		t.Errorf("log line %v, want msg %q, request id %q, panic %q and a stack", l, PanicMsg, requestID, value)
	}
}

// checkInternal checks an answer is the 500 envelope with the generic
// message, FC's or Lambda's request id, and none of the handler's headers.
func checkInternal(t *testing.T, status int, header http.Header, body []byte, requestID string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); status != 500 || err != nil || e.Error.Code != todo.Internal ||
		e.Error.Message != todo.ErrorMessage(errors.New("")) {
		t.Fatalf("answer %d %s, want 500 with the internal envelope", status, body)
	}
	if header.Get("X-Request-Id") != requestID || header.Get("Set-Cookie") != "" || header.Get("X-Half") != "" {
		t.Errorf("headers %v: want the request id %q and nothing the handler set", header, requestID)
	}
}

// On a plain server (local, or FC's custom runtime) a panic before the
// answer started becomes a 500 without the headers the handler had set; a
// panic after it started cuts the connection (the status is gone), and
// either way the server goes on serving, each panic logged once.
func TestPanicOnPlainServer(t *testing.T) {
	var log bytes.Buffer
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/before":
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "half"})
			w.Header().Set("X-Half", "1")
			panic("wrapper bug")
		case "/after":
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "partial")
			_ = http.NewResponseController(w).Flush()
			panic("late bug")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		echoHandler().ServeHTTP(w, r)
	})
	lockedLog := writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(b) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHTTP(h, true).ServeHTTP(w, r.WithContext(withPanicLog(r.Context(), lockedLog)))
	}))
	srv.Config.ErrorLog = nil
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/before", nil)
	req.Header.Set("X-Fc-Request-Id", "1-plain-req")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkInternal(t, resp.StatusCode, resp.Header, body, "1-plain-req")
	mu.Lock()
	checkPanicLogged(t, &log, "1-plain-req", "wrapper bug")
	log.Reset()
	mu.Unlock()

	if resp, err := srv.Client().Get(srv.URL + "/after"); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("a panic after the answer started: the body ended cleanly, want a cut connection")
		}
	}
	mu.Lock()
	if n := len(logLines(t, &log)); n != 1 {
		t.Errorf("late panic: %d log lines, want 1: %s", n, log.String())
	}
	log.Reset()
	mu.Unlock()

	if _, err := srv.Client().Get(srv.URL + "/abort"); err == nil {
		t.Error("http.ErrAbortHandler: want the connection aborted")
	}
	mu.Lock()
	if log.Len() != 0 {
		t.Errorf("http.ErrAbortHandler was logged: %s", log.String())
	}
	mu.Unlock()

	resp, err = srv.Client().Get(srv.URL + "/todos")
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("the server after the panics: %v %v", resp, err)
	}
	resp.Body.Close()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
