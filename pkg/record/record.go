// Package record is the traffic recorder: http.Handler middleware that logs
// a share of whole sessions, their secrets redacted, for cmd/replay to play
// against another deployment (docs/release.md). The composition root adds
// it from the configuration (TRAFFIC_SAMPLE, APP_SECRET); it knows no
// platform.
package record

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/route"
)

// Recorded traffic. With a sample above 0, Traffic wraps the handler in a
// tap that records a share of whole sessions: for each sampled request one
// JSON log line (msg "traffic", kind "request") before the handler runs and
// one (kind "answer") after, both carrying the exchange and the session.
// Secrets never reach the log in the clear (see redact.go). With a sample
// of 0 (TRAFFIC_SAMPLE unset), Traffic returns the handler itself: the
// recorder costs nothing.
//
// A session is the user's: the normalised e-mail of register, verify,
// login, forgot and reset requests, the address learnt from a login
// answer for later bearer requests (the token's sub, read but not
// verified: sampling is no access decision), and the session learnt from a
// login or refresh answer for a refresh token. A session is sampled when a
// keyed hash of it falls below the sample, so register → verify →
// login → todos stay together. What the tap learns it keeps in memory, per
// process: one process serving every route (the local server) keeps whole
// sessions; one process per function (Lambda, FC) samples bearer requests
// by the hash of the sub instead, so there a session's todos are recorded
// in the same share but not necessarily with its sign-up (docs/release.md).

// TrafficMsg is the msg of every traffic log line: the filter of
// CloudWatch Logs and SLS.
const TrafficMsg = "traffic"

// keyLabel derives the recorder's key from APP_SECRET (keyset.Derive), so
// that all functions of a deployment agree on samples and pseudonyms.
const keyLabel = "todofn traffic sample"

// maxRecordedBody bounds the bytes of a body the tap reads into memory; a
// larger body (the API refuses anything over 16 KiB) is recorded as its
// size only.
const maxRecordedBody = 64 << 10

// maxLearnt bounds each learnt table; a full table starts over.
const maxLearnt = 10000

// Traffic returns h recording the share sample (0 to 1, as the
// configuration's TrafficSample) of sessions as JSON lines to w; with a
// sample of 0 or less it returns h itself. secret (APP_SECRET) keys the
// sampling hash and the pseudonyms through keyset.Derive; an empty secret
// gets a random key, good for this process only.
func Traffic(h http.Handler, sample float64, secret []byte, w io.Writer) http.Handler {
	if !(sample > 0) {
		return h
	}
	return newTap(sample, secret, w).wrap(h)
}

// tap records sampled exchanges.
type tap struct {
	threshold uint64 // a session is sampled when its hash is below it
	all       bool   // rate 1: every session
	key       []byte
	log       *slog.Logger
	now       func() time.Time
	api       *http.ServeMux // the route table's routes: only they are recorded

	mu     sync.Mutex
	learnt map[string]string // "sub:ID" or a token reference → session identity
}

func newTap(rate float64, secret []byte, w io.Writer) *tap {
	key := make([]byte, 32)
	if len(secret) > 0 {
		key = keyset.Derive(secret, keyLabel)
	} else {
		_, _ = rand.Read(key)
	}
	api := http.NewServeMux()
	for _, f := range route.HTTPFunctions() {
		for _, r := range f.Routes {
			api.Handle(r.Method+" "+r.Pattern, http.NotFoundHandler())
		}
	}
	return &tap{
		threshold: uint64(rate * math.MaxUint64), all: rate >= 1, key: key,
		log: slog.New(slog.NewJSONHandler(w, nil)), now: time.Now, api: api,
		learnt: map[string]string{},
	}
}

// mac is the keyed hash of the parts, hex-encoded, n hex digits long.
func (t *tap) mac(n int, parts ...string) string {
	m := hmac.New(sha256.New, t.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))[:n]
}

func (t *tap) sampled(identity string) bool {
	if t.all {
		return true
	}
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("sample\x00" + identity))
	return binary.BigEndian.Uint64(m.Sum(nil)) < t.threshold
}

func (t *tap) learn(k, identity string) {
	if k == "" || identity == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.learnt) >= maxLearnt {
		clear(t.learnt)
	}
	t.learnt[k] = identity
}

func (t *tap) lookup(k string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.learnt[k]
}

// wrap is the recording handler. Only requests for the route table's
// routes are recorded.
func (t *tap) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := t.api.Handler(r); pattern == "" {
			h.ServeHTTP(w, r) // not the API: the local server's pages and dev mailbox, preflights
			return
		}
		body, whole := readBody(r)
		x := t.exchangeOf(r, body, whole)
		if !t.sampled(x.identity) {
			if !x.learns {
				h.ServeHTTP(w, r)
				return
			}
			cw := &captureWriter{ResponseWriter: w}
			h.ServeHTTP(cw, r)
			t.learnFrom(x, cw.status, cw.body.Bytes())
			return
		}
		x.id = t.mac(16, x.identity, strconv.FormatInt(t.now().UnixNano(), 10), randomHex())
		t.logRequest(x, r)
		cw := &captureWriter{ResponseWriter: w}
		start := t.now()
		h.ServeHTTP(cw, r)
		t.logAnswer(x, cw, t.now().Sub(start))
	})
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// readBody reads up to maxRecordedBody bytes of r's body and puts them
// back in front of the rest; whole is false when the body is longer.
func readBody(r *http.Request) (body []byte, whole bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody+1))
	rest := r.Body
	r.Body = readCloser{io.MultiReader(bytes.NewReader(b), rest), rest}
	return b, err == nil && len(b) <= maxRecordedBody
}

type readCloser struct {
	io.Reader
	io.Closer
}

// captureWriter passes the answer through and keeps a copy of its status
// and first maxRecordedBody bytes.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	size   int
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.size += len(b)
	if room := maxRecordedBody - c.body.Len(); room > 0 {
		c.body.Write(b[:min(room, len(b))])
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Headers recorded, of requests and of answers. Authorization is recorded
// as a token reference; cookies never.
var (
	recordedRequestHeaders = []string{"Content-Type", "Accept", "Authorization", "Idempotency-Key", "Origin"}
	recordedAnswerHeaders  = []string{"Content-Type", "Location", "WWW-Authenticate", "Retry-After",
		"Idempotent-Replayed", "Cache-Control", "Allow"}
)

func (t *tap) logRequest(x exchange, r *http.Request) {
	hdr := map[string]string{}
	for _, k := range recordedRequestHeaders {
		if v := r.Header.Get(k); v != "" {
			if k == "Authorization" {
				v = t.authorization(v)
			}
			hdr[k] = v
		}
	}
	t.log.Info(TrafficMsg, "kind", "request", "exchange", x.id, "session", x.session,
		"method", r.Method, "path", r.URL.EscapedPath(), "query", t.redactQuery(x.session, r.URL.RawQuery),
		"header", hdr, x.body)
}

func (t *tap) logAnswer(x exchange, cw *captureWriter, took time.Duration) {
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	hdr := map[string]string{}
	for _, k := range recordedAnswerHeaders {
		if v := cw.Header().Get(k); v != "" {
			if k == "Location" {
				v = t.redactLocation(x.session, v)
			}
			hdr[k] = v
		}
	}
	var body slog.Attr
	if cw.size > maxRecordedBody {
		body = slog.Int("bodyBytes", cw.size)
	} else {
		body = t.redactBody(x.session, cw.Header().Get("Content-Type"), cw.body.Bytes(), true)
	}
	t.learnFrom(x, status, cw.body.Bytes())
	t.log.Info(TrafficMsg, "kind", "answer", "exchange", x.id, "session", x.session,
		"status", status, "header", hdr, body, "ms", took.Milliseconds())
}
