// Package tablestoretest is an in-memory protocol double of Alibaba Cloud
// Tablestore for tests and local development. It is a faithful double of the
// calls package tablestore uses, not Tablestore: it speaks the service's
// protobuf-over-HTTP protocol (the messages in the SDK's otsprotocol package,
// rows in PlainBuffer), so the real Go SDK runs against it unchanged.
//
// Implemented: /CreateTable, /ListTable, /DescribeTable, /PutRow,
// /UpdateRow (put, delete and atomic-increment columns; see update.go),
// /GetRow, /DeleteRow, /GetRange and /BatchWriteRow (at most 200 rows,
// each with its own condition and result; see batch.go), with
// row-existence expectations and column conditions (single and composite)
// applied as Tablestore documents them. A read whose columns_to_get names
// only attribute columns the row lacks gets no row, as from the service.
// A table's time to live applies per cell: cells older than it are
// invisible to reads and conditions, and a row with none left is absent
// (Age makes stored data older).
// Errors are answered as the service answers them: an otsprotocol.Error
// body with the documented code and HTTP status (OTSConditionCheckFail and
// OTSAuthFailed are 403, OTSObjectNotExist 404, OTSObjectAlreadyExist 409,
// OTSParameterInvalid 400). Every request must carry the x-ots-* headers
// the service requires, and x-ots-contentmd5 must match the body; once an
// access key is registered with SetAccessKey, the request signature is
// verified and responses are signed the way the service signs them.
// Faults are injected per action: FailNext answers an error (ServerBusy,
// QuotaExhausted, Timeout, ServerUnavailable, FlowControl and
// OperationThrottled are the service's own), DelayNext stalls a call
// before it runs, LoseNext runs a call and then drops its answer (a write
// that landed while its client saw a timeout or an EOF), and FailNextRows
// fails single rows of a BatchWriteRow.
//
// Not modelled: more than one version per cell (each write keeps the newest
// value only), BatchGetRow, search indexes, stream shards and iterators
// (Changes returns the stream records instead), capacity accounting (every
// call reports 1 CU), the 4 MB size limit of a batch, and the delay after
// CreateTable before a real table is ready. Other actions answer
// OTSParameterInvalid "Unsupported operation".
//
// Each x-ots-instancename is a separate namespace, so tests may share one
// server by using distinct instance names.
package tablestoretest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	"google.golang.org/protobuf/proto"
)

// Error codes the double answers with, as the service names them.
const (
	CodeConditionCheckFail = "OTSConditionCheckFail"
	CodeObjectNotExist     = "OTSObjectNotExist"
	CodeObjectAlreadyExist = "OTSObjectAlreadyExist"
	CodeParameterInvalid   = "OTSParameterInvalid"
	CodeAuthFailed         = "OTSAuthFailed"
	CodeMethodNotAllowed   = "OTSMethodNotAllowed"
	CodeInternalError      = "OTSInternalServerError"
	CodeServerBusy         = "OTSServerBusy"
)

// Failures of a service that is busy or failing for the moment, with the
// HTTP status and message the service answers them with, for FailNext.
var (
	ServerBusy        = Error{Status: http.StatusServiceUnavailable, Code: CodeServerBusy, Message: "Server is busy."}
	QuotaExhausted    = Error{Status: http.StatusForbidden, Code: "OTSQuotaExhausted", Message: "Too frequent table operations."}
	Timeout           = Error{Status: http.StatusServiceUnavailable, Code: "OTSTimeout", Message: "Operation timeout."}
	ServerUnavailable = Error{Status: http.StatusServiceUnavailable, Code: "OTSServerUnavailable", Message: "Server is unavailable."}
	// FlowControl is the answer of an instance over its VCU or the
	// throttle of a partition: HTTP 429 with OTSFlowControl, as reported by
	// the Python SDK's log in https://developer.aliyun.com/ask/454942
	// ("HTTPStatus: 429, ErrorCode: OTSFlowControl, ErrorMessage: The
	// requests have been throttled.") and in the FAQ "OTSFlowControl The
	// requests have been throttled".
	FlowControl = Error{Status: http.StatusTooManyRequests, Code: "OTSFlowControl", Message: "The requests have been throttled."}
	// OperationThrottled is the service's code for an operation throttled
	// by the instance's limits. The error-code pages found do not give its
	// HTTP status; the double answers 403, the status of the service's
	// other quota errors (OTSQuotaExhausted), so the engine is shown to
	// classify it by its code, not its status.
	OperationThrottled = Error{Status: http.StatusForbidden, Code: "OTSOperationThrottled", Message: "Your operation is throttled."}
)

// maxBody is the service's request size limit.
const maxBody = 5 << 20

// Error is a failure the double answers with, or one a test injects with
// FailNext.
type Error struct {
	Status  int    // HTTP status, e.g. 403
	Code    string // e.g. "OTSConditionCheckFail"
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, CodeParameterInvalid, format, args...)
}

var errConditionFailed = &Error{Status: http.StatusForbidden, Code: CodeConditionCheckFail, Message: "Condition check failed."}

// Server is the in-memory Tablestore. Its methods are safe for concurrent
// use; every call is applied atomically, one at a time.
type Server struct {
	mu        sync.Mutex
	instances map[string]map[string]*table
	keys      map[string]string // access key ID -> secret; empty: any key, unsigned
	pageLimit int
	failures  map[string][]*Error
	// rowFailures fail the next rows of BatchWriteRow (FailNextRows).
	rowFailures []*Error
	delays      map[string][]time.Duration
	losses      map[string][]time.Duration
	lost        int // answers dropped by LoseNext
	now         func() time.Time
	requests    int

	ts *httptest.Server
}

// NewServer starts a double on a free port of 127.0.0.1. Close stops it.
func NewServer() *Server {
	s := New()
	s.ts = httptest.NewServer(s.Handler())
	return s
}

// New returns a double that is not listening, for serving Handler on a
// listener of one's own (a development tool, say).
func New() *Server {
	return &Server{
		instances: map[string]map[string]*table{},
		keys:      map[string]string{},
		failures:  map[string][]*Error{},
		delays:    map[string][]time.Duration{},
		losses:    map[string][]time.Duration{},
		now:       time.Now,
	}
}

// URL returns the endpoint to give the SDK, such as "http://127.0.0.1:4242".
// It is empty for a server made with New.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close stops the server started by NewServer and drops its connections.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.CloseClientConnections()
		s.ts.Close()
	}
}

// Handler returns the HTTP handler that speaks the Tablestore protocol.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// SetAccessKey registers a key pair. Once one is registered, requests must
// be signed with a registered key and responses carry the service's
// Authorization header. Without any, every key ID is accepted unverified.
func (s *Server) SetAccessKey(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = secret
}

// SetPageLimit makes every GetRange return at most n rows, with a next start
// primary key when more rows remain, as the service does when a response
// reaches its size limit. n <= 0 removes the limit.
func (s *Server) SetPageLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLimit = n
}

// Age makes every cell stored so far d older, as if d passed for the data
// but not for the clock the requests are signed and dated by: a row whose
// cells all pass the table's time to live then reads as absent.
func (s *Server) Age(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tables := range s.instances {
		for _, t := range tables {
			for _, r := range t.rows {
				for n, c := range r.cols {
					c.ts -= d.Milliseconds()
					r.cols[n] = c
				}
			}
		}
	}
}

// FailNext makes the next call of action (such as "PutRow" or "/PutRow")
// answer e instead of running. Several calls queue up in order.
func (s *Server) FailNext(action string, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	action = "/" + strings.TrimPrefix(action, "/")
	s.failures[action] = append(s.failures[action], &e)
}

// DelayNext makes the next call of action wait d before it runs and is
// answered, as a slow or stalled service does; the wait ends early when the
// client goes away or the server closes. Several calls queue up in order.
func (s *Server) DelayNext(action string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	action = "/" + strings.TrimPrefix(action, "/")
	s.delays[action] = append(s.delays[action], d)
}

// LoseNext makes the next call of action run and change the table as
// usual, then hold its answer for d and drop the connection without
// sending it: the client sees a timeout (when d exceeds its attempt
// timeout) or an EOF, as when a network path fails after the service
// applied a write. The SDK then resends the call, whose condition meets
// the row the first attempt wrote (api.go getNextPause in
// aliyun-tablestore-go-sdk v4.1.3 retries every action on EOF, a reset
// or a temporary net.Error such as a client timeout). Several calls queue
// up in order.
func (s *Server) LoseNext(action string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	action = "/" + strings.TrimPrefix(action, "/")
	s.losses[action] = append(s.losses[action], d)
}

// Lost returns how many answers LoseNext has dropped so far.
func (s *Server) Lost() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// CancelLosses forgets the LoseNext faults not yet used.
func (s *Server) CancelLosses() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.losses = map[string][]time.Duration{}
}

// lose reports whether the answer to r is to be lost, and drops it if so:
// it waits d (or until the client goes away) and closes the connection.
func (s *Server) lose(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	q := s.losses[r.URL.Path]
	if len(q) == 0 {
		s.mu.Unlock()
		return false
	}
	d := q[0]
	s.losses[r.URL.Path] = q[1:]
	s.lost++
	s.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close() // dropping the answer is the point: a failed close drops it too
			return true
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without answering
}

// delay waits out the next delay queued for r's action, if any.
func (s *Server) delay(r *http.Request) {
	s.mu.Lock()
	var d time.Duration
	if q := s.delays[r.URL.Path]; len(q) > 0 {
		d, s.delays[r.URL.Path] = q[0], q[1:]
	}
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// Requests returns how many requests reached the handler, for tests of
// retries.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	requestID := newRequestID()
	if r.Method != http.MethodPost {
		s.writeError(w, r, requestID, "", errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "OTSMethodNotAllowedOnly POST method for requests is supported."))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.writeError(w, r, requestID, "", invalid("Can not read the request body."))
		return
	}
	if len(body) > maxBody {
		s.writeError(w, r, requestID, "", errorf(http.StatusRequestEntityTooLarge, "OTSRequestBodyTooLarge", "The size of POST data is too large."))
		return
	}
	secret, e := s.authenticate(r, body)
	if e != nil {
		s.writeError(w, r, requestID, secret, e)
		return
	}
	instance := r.Header.Get("x-ots-instancename")
	s.delay(r)

	s.mu.Lock()
	if q := s.failures[r.URL.Path]; len(q) > 0 {
		e = q[0]
		s.failures[r.URL.Path] = q[1:]
	}
	var resp message
	if e == nil {
		resp, e = s.dispatch(instance, r.URL.Path, body)
	}
	s.mu.Unlock()
	if e == nil && s.lose(w, r) {
		return
	}
	if e != nil {
		s.writeError(w, r, requestID, secret, e)
		return
	}
	out, err := marshal(resp)
	if err != nil {
		s.writeError(w, r, requestID, secret, errorf(http.StatusInternalServerError, CodeInternalError, "encode response: %v", err))
		return
	}
	s.write(w, r, requestID, secret, http.StatusOK, out)
}

// authenticate checks the headers every request needs and, when keys are
// registered, the signature. It returns the secret to sign the response
// with ("" when none is known).
func (s *Server) authenticate(r *http.Request, body []byte) (string, *Error) {
	for _, h := range []string{"x-ots-date", "x-ots-apiversion", "x-ots-accesskeyid", "x-ots-contentmd5", "x-ots-instancename", "x-ots-signature"} {
		if r.Header.Get(h) == "" {
			return "", invalid("Missing header: %s.", h)
		}
	}
	if v := r.Header.Get("x-ots-apiversion"); v != "2015-12-31" {
		return "", invalid("Unsupported API version: %s.", v)
	}
	date := r.Header.Get("x-ots-date")
	t, err := time.Parse("2006-01-02T15:04:05Z", date) // any fraction is accepted; the Go SDK sends a malformed one
	if err != nil {
		return "", invalid("Invalid date format: %s.", date)
	}
	if d := s.now().Sub(t); d > 15*time.Minute || d < -15*time.Minute {
		return "", errorf(http.StatusForbidden, CodeAuthFailed, "Mismatch between system time and x-ots-date: %s.", date)
	}
	sum := md5.Sum(body)
	if r.Header.Get("x-ots-contentmd5") != base64.StdEncoding.EncodeToString(sum[:]) {
		return "", errorf(http.StatusForbidden, CodeAuthFailed, "Mismatch between MD5 value of request body and x-ots-contentmd5 in header.")
	}
	s.mu.Lock()
	n := len(s.keys)
	secret, ok := s.keys[r.Header.Get("x-ots-accesskeyid")]
	s.mu.Unlock()
	if n == 0 {
		return "", nil
	}
	if !ok {
		return "", errorf(http.StatusForbidden, CodeAuthFailed, "The AccessKeyID does not exist.")
	}
	want := sign(secret, r.URL.Path+"\nPOST\n\n"+canonicalHeaders(r.Header, "\n")+"\n")
	if !hmac.Equal([]byte(r.Header.Get("x-ots-signature")), []byte(want)) {
		return secret, errorf(http.StatusForbidden, CodeAuthFailed, "Signature mismatch.")
	}
	return secret, nil
}

// canonicalHeaders joins the x-ots-* headers but the signature, sorted by
// name, as "name:value" lines.
func canonicalHeaders(h http.Header, sep string) string {
	var lines []string
	for k, v := range h {
		k = strings.ToLower(k)
		if strings.HasPrefix(k, "x-ots-") && k != "x-ots-signature" && len(v) > 0 {
			lines = append(lines, k+":"+strings.TrimSpace(v[0]))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, sep)
}

func sign(secret, s string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, requestID, secret string, e *Error) {
	out, _ := marshal(&otsprotocol.Error{Code: proto.String(e.Code), Message: proto.String(e.Message)})
	s.write(w, r, requestID, secret, e.Status, out)
}

// write sends a protobuf body with the service's response headers, signed
// when the secret is known: Authorization "OTS id:signature" over the
// sorted x-ots-* headers and the action's path.
func (s *Server) write(w http.ResponseWriter, r *http.Request, requestID, secret string, status int, body []byte) {
	sum := md5.Sum(body)
	h := w.Header()
	h.Set("x-ots-date", s.now().UTC().Format("2006-01-02T15:04:05.000Z"))
	h.Set("x-ots-requestid", requestID)
	h.Set("x-ots-contentmd5", base64.StdEncoding.EncodeToString(sum[:]))
	h.Set("x-ots-contenttype", "protocol buffer")
	if secret != "" {
		h.Set("Authorization", "OTS "+r.Header.Get("x-ots-accesskeyid")+":"+sign(secret, canonicalHeaders(h, "\n")+"\n"+r.URL.Path))
	}
	h.Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(status)
	w.Write(body)
}

var (
	idMu  sync.Mutex
	idSeq uint64
)

func newRequestID() string {
	idMu.Lock()
	defer idMu.Unlock()
	idSeq++
	return fmt.Sprintf("0005%012x-%08x", time.Now().UnixMicro(), idSeq)
}
