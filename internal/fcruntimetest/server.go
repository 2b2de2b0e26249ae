// Package fcruntime is a test double of the Function Compute 3 runtime API:
// the side of the protocol that FC runs and that fc-runtime-go-sdk's invoke
// loop (fc.Start) talks to through FC_RUNTIME_API. It is written from the
// SDK's own client (fc/runtime_api_client.go, fc/invoke_loop.go, v0.3.1),
// so a function's real SDK loop can be driven in-process without Alibaba
// Cloud. It also builds FC3 HTTP-trigger events from HTTP requests and
// writes HTTP-trigger responses back as HTTP, and plays FC's side of the
// custom runtime's event protocol (InvokeCustom, custom.go).
//
// The protocol, under /2020-11-11/runtime/invocation/:
//
//   - GET next long-polls until an invocation is queued and answers 200
//     with the payload as the body and headers x-fc-request-id,
//     x-fc-function-deadline (epoch milliseconds) and x-fc-function-timeout
//     (seconds), which the SDK requires, plus the function, region and
//     account headers it copies into fccontext;
//   - POST {id}/response completes the invocation with the body as result;
//   - POST {id}/error fails it with the body ({"errorMessage","errorType",
//     "stackTrace"}) as the error payload.
//
// As FC does, a server hands a runtime one invocation at a time: the next
// one is not delivered until the previous one has been answered or has
// timed out.
package fcruntimetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// APIVersion is the runtime API version in every path.
const APIVersion = "2020-11-11"

const prefix = "/" + APIVersion + "/runtime/invocation/"

// DefaultTimeout is the function timeout a Server announces and enforces
// unless WithTimeout says otherwise.
const DefaultTimeout = 60 * time.Second

// Errors returned by Invoke.
var (
	// ErrClosed is returned by Invoke once the server is closed.
	ErrClosed = errors.New("fcruntime: server closed")
	// ErrTimeout is returned by Invoke when the runtime does not answer
	// before the invocation's deadline.
	ErrTimeout = errors.New("fcruntime: invocation timed out")
)

// InvokeError is the error Invoke returns when the function reported a
// failure through POST {id}/error.
type InvokeError struct {
	Payload []byte `json:"-"` // the error payload as posted
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Error implements the error interface.
func (e *InvokeError) Error() string {
	return fmt.Sprintf("fcruntime: function error: %s: %s", e.Type, e.Message)
}

// Option configures a Server.
type Option func(*Server)

// WithTimeout sets the function timeout: the x-fc-function-timeout header,
// the deadline header, and when Invoke gives up with ErrTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *Server) { s.timeout = d }
}

// WithClock sets the clock the deadline header is computed from.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// Server is a runtime API double listening on 127.0.0.1. Its methods are
// safe for concurrent use.
type Server struct {
	ln      net.Listener
	srv     *http.Server
	timeout time.Duration
	now     func() time.Time

	slot   chan struct{}    // holds a token while an invocation is in flight
	queue  chan *invocation // unbuffered: hands one invocation to a waiting next
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	inflight map[string]*invocation
	polling  int // next requests waiting for an invocation
}

type invocation struct {
	id      string
	payload []byte
	done    chan result // buffered 1; receives exactly one result
	once    sync.Once
	timer   *time.Timer
}

type result struct {
	body []byte
	err  error
}

// NewServer starts a runtime API double on a free port of 127.0.0.1. It
// panics only if no loopback port can be had, as httptest.NewServer does;
// it is meant for tests.
func NewServer(opts ...Option) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fcruntime: listen on 127.0.0.1: %v", err))
	}
	s := &Server{
		ln:       ln,
		timeout:  DefaultTimeout,
		now:      time.Now,
		slot:     make(chan struct{}, 1),
		queue:    make(chan *invocation),
		closed:   make(chan struct{}),
		inflight: map[string]*invocation{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s
}

// Addr returns the host:port to put in FC_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close fails queued and in-flight invocations with ErrClosed and stops
// accepting connections.
//
// A runtime already long-polling next stays parked (until it disconnects)
// rather than being cut off: fc-runtime-go-sdk retries a failed next at
// once and forever, so closing its connection would turn an in-process SDK
// loop, which cannot be stopped, into a busy loop for the rest of the test
// binary.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		_ = s.ln.Close()
		s.srv.SetKeepAlivesEnabled(false) // closes idle connections
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, inv := range s.inflight {
			inv.finish(result{err: ErrClosed})
		}
	})
}

// Invoke queues one invocation with payload, waits for the runtime to
// answer it and returns the posted response body. A function error comes
// back as an *InvokeError. Invocations are delivered one at a time, in the
// order Invoke acquires the server. Invoke returns ctx.Err() if ctx ends
// first; an invocation already delivered still holds the server until the
// runtime answers it or it times out.
func (s *Server) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closed:
		return nil, ErrClosed
	}
	inv := &invocation{id: newID(), payload: payload, done: make(chan result, 1)}
	select {
	case s.queue <- inv:
		// next registered it as in flight and armed its timer; the slot
		// is released when it finishes.
	case <-ctx.Done():
		<-s.slot
		return nil, ctx.Err()
	case <-s.closed:
		<-s.slot
		return nil, ErrClosed
	}
	select {
	case r := <-inv.done:
		return r.body, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// deliver records inv as in flight and arms its timeout.
func (s *Server) deliver(inv *invocation) {
	s.mu.Lock()
	s.inflight[inv.id] = inv
	s.mu.Unlock()
	inv.timer = time.AfterFunc(s.timeout, func() { s.complete(inv.id, result{err: ErrTimeout}) })
}

// complete finishes the in-flight invocation id and frees the server for
// the next one. It reports false if id is not in flight.
func (s *Server) complete(id string, r result) bool {
	s.mu.Lock()
	inv, ok := s.inflight[id]
	delete(s.inflight, id)
	s.mu.Unlock()
	if !ok {
		return false
	}
	inv.finish(r)
	<-s.slot
	return true
}

func (inv *invocation) finish(r result) {
	inv.once.Do(func() {
		if inv.timer != nil {
			inv.timer.Stop()
		}
		inv.done <- r
	})
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	switch {
	case !ok:
		http.NotFound(w, r)
	case rest == "next":
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.next(w, r)
	case strings.HasSuffix(rest, "/response"), strings.HasSuffix(rest, "/error"):
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id, kind, _ := strings.Cut(rest, "/")
		s.answer(w, r, id, kind)
	default:
		http.NotFound(w, r)
	}
}

// next long-polls for an invocation. After Close it parks until the client
// goes away (see Close).
func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	s.mu.Lock()
	s.polling++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.mu.Unlock()
	}()
	select {
	case inv = <-s.queue:
	case <-s.closed:
		<-r.Context().Done()
		return
	case <-r.Context().Done():
		return
	}
	deadline := s.now().Add(s.timeout)
	h := w.Header()
	h.Set("x-fc-request-id", inv.id)
	h.Set("x-fc-function-deadline", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("x-fc-function-timeout", strconv.Itoa(int((s.timeout+time.Second-1)/time.Second)))
	h.Set("x-fc-function-name", "function")
	h.Set("x-fc-function-handler", "bootstrap")
	h.Set("x-fc-function-memory", "128")
	h.Set("x-fc-region", "cn-hangzhou")
	h.Set("x-fc-account-id", "1234567890")
	h.Set("x-fc-qualifier", "LATEST")
	h.Set("x-fc-retry-count", "0")
	h.Set("Content-Type", "application/octet-stream")
	s.deliver(inv)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, id, kind string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	res := result{body: body}
	if kind == "error" {
		ie := &InvokeError{Payload: body}
		_ = json.Unmarshal(body, ie) // keep the raw payload even if it is not JSON
		res = result{err: ie}
	}
	if !s.complete(id, res) {
		http.Error(w, "unknown or finished invocation "+id, http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "1-" + hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:])
}
