// Package benchtest holds what the measurements of issue 20 share: a
// counting reverse proxy in front of a store's API (dynalite, the Tablestore
// double), an API client that signs a user up on the local server, and the
// store round trips each todo route makes (Measure). cmd/bench prints them;
// e2e's TestRoundTrips holds them to a budget. It ships nowhere.
package benchtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kinds of store calls.
const (
	Read  = "read"
	Write = "write"
	Other = "other" // table management and anything not listed below
	// Session is a read of the sessions table: the session check that every
	// authenticated call makes before its route runs (pkg/api's auth), the
	// same for every route. It is counted apart from the route's own calls
	// (see SessionOp).
	Session = "session"
)

// sessionPrefix marks a counted operation as a session check: a read of
// the Counter's SessionTable is counted as "session:GetItem".
const sessionPrefix = "session:"

// kinds classifies the store API's operations a route may make. DynamoDB's
// names are the X-Amz-Target suffixes of its JSON protocol
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html);
// Tablestore's are the request paths of its protobuf-over-HTTP protocol
// (the SDK's tablestore/api.go: createTableUri "/CreateTable", getRowUri
// "/GetRow", ...).
var kinds = map[string]string{
	// DynamoDB
	"GetItem": Read, "Query": Read, "Scan": Read, "BatchGetItem": Read, "TransactGetItems": Read,
	"PutItem": Write, "UpdateItem": Write, "DeleteItem": Write, "BatchWriteItem": Write, "TransactWriteItems": Write,
	"ExecuteStatement": Other, "ExecuteTransaction": Other,
	// Tablestore
	"GetRow": Read, "GetRange": Read, "BatchGetRow": Read,
	"PutRow": Write, "UpdateRow": Write, "DeleteRow": Write, "BatchWriteRow": Write,
	"StartLocalTransaction": Other, "CommitTransaction": Write, "AbortTransaction": Other,
}

// Kind says whether op (such as "GetItem" or "PutRow") reads, writes or
// does neither.
func Kind(op string) string {
	if strings.HasPrefix(op, sessionPrefix) {
		return Session
	}
	if k, ok := kinds[op]; ok {
		return k
	}
	return Other
}

// Counter is a reverse proxy in front of a store's HTTP API that counts
// each call by operation: DynamoDB's by the X-Amz-Target header
// ("DynamoDB_20120810.GetItem" counts as "GetItem"), the others by the
// request path ("/GetRow" counts as "GetRow").
type Counter struct {
	// URL is the proxy's address: point the engine's endpoint at it.
	URL string
	// SessionTable names the sessions table: a read of it is counted as a
	// session check (kind Session), apart from the route's calls. Empty:
	// none is.
	SessionTable string

	srv  *httptest.Server
	mu   sync.Mutex
	ops  map[string]int
	last time.Time // when the last call arrived
}

// NewCounter starts a Counter on 127.0.0.1 in front of upstream (such as
// dynalite's http://127.0.0.1:PORT). Close stops it.
func NewCounter(upstream string) (*Counter, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	c := &Counter{ops: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.count(r)
		proxy.ServeHTTP(w, r)
	}))
	c.URL = c.srv.URL
	return c, nil
}

// Operation is the store operation r calls.
func Operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		_, op, _ := strings.Cut(t, ".")
		return op
	}
	return strings.TrimPrefix(r.URL.Path, "/")
}

func (c *Counter) count(r *http.Request) {
	op := Operation(r)
	if c.SessionTable != "" && Kind(op) == Read && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil && tableOf(body) == c.SessionTable {
			op = sessionPrefix + op
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[op]++
	c.last = time.Now()
}

// tableOf returns the table a read request names: DynamoDB's JSON field
// TableName (GetItem, Query:
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html),
// or field 1 of Tablestore's protobuf request (GetRowRequest and
// GetRangeRequest both start with "required string table_name = 1", the
// SDK's tablestore/otsprotocol/table_store.proto): tag 0x0a, a varint
// length, the name. Anything else is "".
func tableOf(body []byte) string {
	if len(body) > 0 && body[0] == '{' {
		var req struct{ TableName string }
		if json.Unmarshal(body, &req) == nil {
			return req.TableName
		}
		return ""
	}
	if len(body) < 2 || body[0] != 0x0a {
		return ""
	}
	n, shift, i := 0, 0, 1
	for ; i < len(body) && shift < 28; i++ {
		n |= int(body[i]&0x7f) << shift
		shift += 7
		if body[i] < 0x80 {
			i++
			if i+n <= len(body) {
				return string(body[i : i+n])
			}
			return ""
		}
	}
	return ""
}

// Close stops the proxy.
func (c *Counter) Close() { c.srv.Close() }

// Take returns the calls counted since the last Take, by operation, and
// starts a new count.
func (c *Counter) Take() Calls {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Calls(c.ops)
	c.ops = map[string]int{}
	return out
}

// Quiet waits until no call has arrived for window (background work of the
// server, such as the mailer following its own writes, has settled), or
// until limit has passed; it reports whether it became quiet. It polls the
// time of the last call: the work it waits out runs in another process,
// whose progress no clock of ours can drive.
func (c *Counter) Quiet(window, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		c.mu.Lock()
		idle := time.Since(c.last)
		c.mu.Unlock()
		if idle >= window {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(window - idle)
	}
}

// Calls are store calls counted by operation.
type Calls map[string]int

// Of returns the number of calls of kind (Read, Write or Other).
func (c Calls) Of(kind string) int {
	n := 0
	for op, k := range c {
		if Kind(op) == kind {
			n += k
		}
	}
	return n
}

// String lists the operations with their counts, such as
// "GetItem×2 PutItem×1", in name order.
func (c Calls) String() string {
	ops := make([]string, 0, len(c))
	for op := range c {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(op + "×" + itoa(c[op]))
	}
	return b.String()
}
