package fcruntimetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// runtime is a hand-written client of the runtime API, the way
// fc-runtime-go-sdk's loop speaks it (package platform's tests run the real
// SDK loop against this server).
type runtime struct {
	tb   testing.TB
	base string
}

func newRuntime(tb testing.TB, s *Server) runtime {
	return runtime{tb: tb, base: "http://" + s.Addr() + prefix}
}

// next long-polls for an invocation; ok is false if ctx ended first.
func (rt runtime) next(ctx context.Context) (id string, payload []byte, h http.Header, ok bool) {
	rt.tb.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", rt.base+"next", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, nil, false
		}
		rt.tb.Fatalf("next: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		rt.tb.Fatalf("next: status %d", resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("x-fc-request-id"), b, resp.Header, true
}

func (rt runtime) post(path string, body string) int {
	rt.tb.Helper()
	resp, err := http.Post(rt.base+path, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		rt.tb.Fatalf("post %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type outcome struct {
	body []byte
	err  error
}

func invokeAsync(s *Server, ctx context.Context, payload string) chan outcome {
	c := make(chan outcome, 1)
	go func() {
		b, err := s.Invoke(ctx, []byte(payload))
		c <- outcome{b, err}
	}()
	return c
}

func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func TestInvokeResponse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newServer(t, WithTimeout(90*time.Second), WithClock(func() time.Time { return now }))
	rt := newRuntime(t, s)
	res := invokeAsync(s, context.Background(), `{"a":1}`)
	id, payload, h, _ := rt.next(context.Background())
	if string(payload) != `{"a":1}` || id == "" {
		t.Fatalf("next = %q %q", id, payload)
	}
	for k, want := range map[string]string{
		"x-fc-function-deadline": strconv.FormatInt(now.Add(90*time.Second).UnixMilli(), 10),
		"x-fc-function-timeout":  "90",
		"x-fc-function-name":     "function",
		"x-fc-region":            "cn-hangzhou",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if code := rt.post(id+"/response", `{"ok":true}`); code != 200 {
		t.Fatalf("response: status %d", code)
	}
	if o := <-res; o.err != nil || string(o.body) != `{"ok":true}` {
		t.Errorf("Invoke = %s, %v", o.body, o.err)
	}
	if code := rt.post(id+"/response", `{}`); code != http.StatusNotFound {
		t.Errorf("second answer: status %d, want 404", code)
	}
}

func TestInvokeError(t *testing.T) {
	s := newServer(t)
	rt := newRuntime(t, s)
	res := invokeAsync(s, context.Background(), `{}`)
	id, _, _, _ := rt.next(context.Background())
	rt.post(id+"/error", `{"errorMessage":"boom","errorType":"errorString"}`)
	o := <-res
	var ie *InvokeError
	if !errors.As(o.err, &ie) || ie.Message != "boom" || ie.Type != "errorString" || !bytes.Contains(ie.Payload, []byte("boom")) {
		t.Fatalf("err = %#v", o.err)
	}
	if ie.Error() != "fcruntime: function error: errorString: boom" {
		t.Errorf("Error() = %q", ie.Error())
	}
}

func TestProtocolErrors(t *testing.T) {
	s := newServer(t)
	base := "http://" + s.Addr()
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"unknown path", "GET", "/other", 404},
		{"unknown subpath", "GET", prefix + "x", 404},
		{"next with POST", "POST", prefix + "next", 405},
		{"response with GET", "GET", prefix + "abc/response", 405},
		{"unknown invocation", "POST", prefix + "abc/response", 404},
		{"unknown invocation error", "POST", prefix + "abc/error", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestSerialised(t *testing.T) {
	s := newServer(t)
	rt := newRuntime(t, s)
	a := invokeAsync(s, context.Background(), "1")
	id1, p1, _, _ := rt.next(context.Background())
	b := invokeAsync(s, context.Background(), "2")
	// While the first is unanswered, a poll gets nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if id, _, _, ok := rt.next(ctx); ok {
		t.Fatalf("second invocation %s delivered while %s was in flight", id, id1)
	}
	rt.post(id1+"/response", "r"+string(p1))
	id2, p2, _, _ := rt.next(context.Background())
	rt.post(id2+"/response", "r"+string(p2))
	if oa, ob := <-a, <-b; string(oa.body) != "r1" || string(ob.body) != "r2" || id1 == id2 {
		t.Errorf("results %q %q ids %s %s", oa.body, ob.body, id1, id2)
	}
}

func TestCancelBeforeDelivery(t *testing.T) {
	s := newServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Invoke(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The server is free for the next invocation.
	rt := newRuntime(t, s)
	res := invokeAsync(s, context.Background(), "y")
	id, p, _, _ := rt.next(context.Background())
	rt.post(id+"/response", string(p))
	if o := <-res; string(o.body) != "y" {
		t.Errorf("Invoke = %q, %v", o.body, o.err)
	}
}

func TestTimeout(t *testing.T) {
	s := newServer(t, WithTimeout(20*time.Millisecond))
	rt := newRuntime(t, s)
	res := invokeAsync(s, context.Background(), "x")
	id, _, h, _ := rt.next(context.Background())
	if h.Get("x-fc-function-timeout") != "1" {
		t.Errorf("timeout header = %q, want seconds rounded up", h.Get("x-fc-function-timeout"))
	}
	if o := <-res; !errors.Is(o.err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", o.err)
	}
	if code := rt.post(id+"/response", "late"); code != http.StatusNotFound {
		t.Errorf("late answer: status %d", code)
	}
	res = invokeAsync(s, context.Background(), "y")
	id, _, _, _ = rt.next(context.Background())
	rt.post(id+"/response", "ok")
	if o := <-res; string(o.body) != "ok" {
		t.Errorf("after a timeout: %q, %v", o.body, o.err)
	}
}

func TestClose(t *testing.T) {
	s := NewServer()
	rt := newRuntime(t, s)
	first := invokeAsync(s, context.Background(), "1")
	rt.next(context.Background())
	second := invokeAsync(s, context.Background(), "2") // waits for the first
	// A runtime polling when the server closes stays parked until it
	// gives up.
	ctx, cancel := context.WithCancel(context.Background())
	parked := make(chan bool, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", rt.base+"next", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		parked <- err == nil
	}()
	waitPolling(t, s, 1)
	s.Close()
	s.Close() // idempotent
	for _, c := range []chan outcome{first, second} {
		if o := <-c; !errors.Is(o.err, ErrClosed) {
			t.Errorf("err = %v, want ErrClosed", o.err)
		}
	}
	if _, err := s.Invoke(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close: %v", err)
	}
	cancel()
	if ok := <-parked; ok {
		t.Error("a parked next was answered after Close")
	}
}

// waitPolling waits (bounded) until n next requests are parked in s.
func waitPolling(tb testing.TB, s *Server, n int) {
	tb.Helper()
	for range 1000 {
		s.mu.Lock()
		p := s.polling
		s.mu.Unlock()
		if p == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("%d next requests never arrived", n)
}
