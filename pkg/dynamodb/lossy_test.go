package dynamodb_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/dynamodb"
)

// lossyProxy is an HTTP proxy between the engine and dynalite that can
// drop the answer to a write dynalite applied: it forwards the request,
// reads dynalite's whole answer, and then closes the client's connection
// without sending it, so the SDK sees a broken connection (a
// RequestSendError, which its retryer resends) while the write stands.
//
// Toxiproxy (internal/toxiproxytest) cuts or stalls a connection's bytes,
// but its toxics apply to every connection until removed, so losing
// exactly one answer takes knowing when the write has landed (a direct
// read of dynalite per case: TestLostAnswerToxiproxy does that for single
// writes). The suite's cases know nothing of dynalite, and some read
// through the proxy before they write; this proxy decides per request.
type lossyProxy struct {
	upstream  string
	srv       *httptest.Server
	transport *http.Transport // keeps a connection to dynalite per client connection

	mu    sync.Mutex
	armed bool
	lost  int
}

// writeTargets are the X-Amz-Target operations whose answers may be lost.
var writeTargets = []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

func newLossyProxy(tb testing.TB, upstream string) *lossyProxy {
	p := &lossyProxy{upstream: strings.TrimRight(upstream, "/"), transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	tb.Cleanup(p.transport.CloseIdleConnections)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(p.srv.Close)
	return p
}

// forward sends r to upstream through transport and reads the whole
// answer. On a failure it answers 502 itself and reports false.
func forward(w http.ResponseWriter, r *http.Request, transport http.RoundTripper, upstream string) (*http.Response, []byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil, nil, false
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil, nil, false
	}
	req.Header = r.Header.Clone()
	resp, err := transport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil, nil, false
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return nil, nil, false
	}
	return resp, out, true
}

func (p *lossyProxy) serve(w http.ResponseWriter, r *http.Request) {
	resp, out, ok := forward(w, r, p.transport, p.upstream)
	if !ok {
		return
	}
	if resp.StatusCode == http.StatusOK && p.take(r.Header.Get("X-Amz-Target")) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

// take reports whether the answer to an applied call of target is to be
// lost, and disarms the proxy if so.
func (p *lossyProxy) take(target string) bool {
	op := target[strings.LastIndex(target, ".")+1:]
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.armed {
		return false
	}
	for _, w := range writeTargets {
		if op == w {
			p.armed = false
			p.lost++
			return true
		}
	}
	return false
}

// lossyStore is a store that reaches dynalite through a lossyProxy.
type lossyStore struct {
	*dynamodb.Store
	proxy *lossyProxy
}

var _ storetest.Lossy = lossyStore{}

func (l lossyStore) LoseNextAnswer(testing.TB) func() int {
	l.proxy.mu.Lock()
	before := l.proxy.lost
	l.proxy.armed = true
	l.proxy.mu.Unlock()
	return func() int {
		l.proxy.mu.Lock()
		defer l.proxy.mu.Unlock()
		l.proxy.armed = false
		return l.proxy.lost - before
	}
}
