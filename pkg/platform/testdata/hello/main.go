// Command hello is the test program of package platform: built as a Lambda
// bootstrap (or run plain), it serves an echo handler through
// platform.Start, or an echo event handler through platform.StartEvents
// when HELLO_EVENTS is set.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/todofn/todofn/pkg/platform"
	"github.com/todofn/todofn/pkg/wire"
)

func main() {
	if os.Getenv("HELLO_EVENTS") != "" {
		platform.StartEvents(platform.EventHandlerFunc(echoEvent))
		return
	}
	platform.Start(http.HandlerFunc(echo))
}

// echoEvent answers {"requestId":..., "event": payload, "pid": ...}; the
// event "fail" fails the invocation, the event "panic" panics.
func echoEvent(ctx context.Context, payload []byte) ([]byte, error) {
	switch string(payload) {
	case `"fail"`:
		return nil, errors.New("hello: asked to fail")
	case `"panic"`:
		panic("hello: asked to panic")
	}
	return json.Marshal(map[string]any{"requestId": wire.RequestID(ctx), "event": json.RawMessage(payload), "pid": os.Getpid()})
}

// echo describes the request it got as JSON, with the process id in X-Pid;
// /binary answers 256 bytes of image/png instead, and /panic panics.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", wire.RequestID(r.Context()))
	w.Header().Set("X-Pid", strconv.Itoa(os.Getpid()))
	if r.URL.Path == "/panic" {
		panic("hello: asked to panic")
	}
	if r.URL.Path == "/binary" {
		w.Header().Set("Content-Type", "image/png")
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		_, _ = w.Write(b)
		return
	}
	body, _ := io.ReadAll(r.Body)
	http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
	http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
	w.Header().Add("Vary", "Origin")
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "path": r.URL.Path, "rawPath": r.URL.EscapedPath(), "query": r.URL.RawQuery,
		"host": r.Host, "remoteAddr": r.RemoteAddr, "cookie": r.Header.Get("Cookie"),
		"accept": r.Header.Get("Accept"), "body": string(body), "contentLength": r.ContentLength,
	})
}
