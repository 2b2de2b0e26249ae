// Package dynamotx puts DynamoDB transactions in front of a DynamoDB-API
// server that has none. dynalite (our local DynamoDB, from npm) implements
// only the single-item calls, so a Handler passes every request through to
// it unchanged except TransactWriteItems and TransactGetItems, which it runs
// itself with those single-item calls: isolated from every other request
// that goes through the Handler, and undone when any item's condition
// fails, in the shapes the API reference gives
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html)
// and the AWS SDK for Go v2 decodes. It also runs the single-item writes
// that ask for the item a failed condition saw
// (ReturnValuesOnConditionCheckFailure ALL_OLD), which dynalite ignores
// (single.go).
//
// Isolation comes from one sync.RWMutex: an ordinary request holds it
// shared until the server has answered it, a transaction holds it alone
// from its first call to its last undo. So no request through the Handler
// sees a transaction half-applied, and no write through the Handler lands
// between a transaction's calls; a client that talks to the server directly
// is not isolated. Neither a passed-through request nor a transaction's
// calls are cut short when the client goes away: a request whose client
// left still completes before the lock is released.
//
// It is a test double: internal/devstack serves dynalite's endpoint through
// it, so every test and tool that uses dynalite gets transactions.
package dynamotx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Target prefix of DynamoDB's JSON protocol (the X-Amz-Target header).
const targetPrefix = "DynamoDB_20120810."

// Options configures a Handler. The zero value is ready to use.
type Options struct {
	// Now is the clock of the ClientRequestToken window; time.Now when nil.
	Now func() time.Time
	// Timeout bounds each call a transaction makes to the server (30 s
	// when zero): a transaction holds every other request back, so a
	// server that stops answering must not hold it for ever.
	Timeout time.Duration
	// Transport carries the requests to the server; a clone of
	// http.DefaultTransport keeping up to 64 idle connections when nil.
	Transport http.RoundTripper
}

// Handler serves the DynamoDB API of an upstream server, with
// TransactWriteItems and TransactGetItems implemented on its single-item
// calls. It is safe for concurrent use.
type Handler struct {
	upstream string
	now      func() time.Time
	timeout  time.Duration
	client   *http.Client
	proxy    *httputil.ReverseProxy

	// mu isolates transactions: shared by passed-through requests, held
	// alone by a transaction.
	mu     sync.RWMutex
	tokens *tokens    // guarded by mu (held alone)
	keys   keySchemas // its own lock: passed-through CreateTable and DeleteTable empty it
}

// New returns a Handler in front of the DynamoDB-API server at upstream
// (such as http://127.0.0.1:8000).
func New(upstream string, o Options) (*Handler, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dynamotx: upstream %q is not an http(s) URL", upstream)
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Many clients through one layer: keep their connections to the
		// server instead of opening one per request (the default keeps 2).
		t.MaxIdleConnsPerHost = 64
		tr = t
	}
	h := &Handler{
		upstream: strings.TrimSuffix(u.String(), "/"),
		now:      o.Now,
		timeout:  o.Timeout,
		client:   &http.Client{Transport: tr},
		tokens:   newTokens(),
		keys:     keySchemas{m: map[string]keySchema{}},
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.timeout == 0 {
		h.timeout = 30 * time.Second
	}
	h.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // as signed by the client
			// The server finishes what it started even when the client
			// leaves, so that the shared lock is not released while the
			// request may still write.
			pr.Out = pr.Out.WithContext(context.WithoutCancel(pr.In.Context()))
		},
		Transport: tr,
		ErrorLog:  log.New(io.Discard, "", 0), // a library stays silent
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return h, nil
}

// ServeHTTP runs TransactWriteItems and TransactGetItems, and the
// single-item writes that ask for ReturnValuesOnConditionCheckFailure
// ALL_OLD (single.go), and passes every other request to the server
// unchanged.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method == http.MethodPost && (op == "TransactWriteItems" || op == "TransactGetItems") {
		h.transact(w, r, op)
		return
	}
	if r.Method == http.MethodPost && singleWrites[op] {
		h.single(w, r, op)
		return
	}
	h.passThrough(w, r, op)
}

// passThrough hands r to the server under the shared lock.
func (h *Handler) passThrough(w http.ResponseWriter, r *http.Request, op string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if op == "CreateTable" || op == "DeleteTable" {
		// A table of that name may come back with another key schema;
		// forgotten before the lock is released, so that no transaction
		// reads the old one.
		defer h.keys.forget()
	}
	h.proxy.ServeHTTP(w, r)
}

// maxBody bounds the body of a request the Handler reads itself: dynalite
// refuses more than 16 MB (its MAX_REQUEST_BYTES) and DynamoDB a
// transaction over 4 MB.
const maxBody = 16 << 20

// readBody reads r's body, at most maxBody bytes. It answers 413 for a
// longer one and reports false then, or when the client is gone.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, false // the client is gone
	}
	if len(body) > maxBody {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

func (h *Handler) transact(w http.ResponseWriter, r *http.Request, op string) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	c := &caller{h: h, auth: authHeaders(r.Header)}
	h.mu.Lock()
	var a *answer
	if op == "TransactWriteItems" {
		a = h.writeItems(c, body)
	} else {
		a = h.getItems(c, body)
	}
	h.mu.Unlock()
	h.reply(w, a)
}

// Server is a Handler listening on a TCP address.
type Server struct {
	URL string // such as http://127.0.0.1:PORT
	*Handler
	srv  *http.Server
	done chan error
	once sync.Once
	err  error
}

// Listen serves a Handler in front of upstream on addr (such as
// 127.0.0.1:0 for a free port) until Close.
func Listen(addr, upstream string, o Options) (*Server, error) {
	h, err := New(upstream, o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dynamotx: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Handler: h, done: make(chan error, 1),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops listening and closes every connection at once; a
// transaction under way still finishes its calls to the server. Calling it
// again returns the first call's result.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.err = s.srv.Close()
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) && s.err == nil {
			s.err = err
		}
	})
	return s.err
}
