package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// inbound is the cloud-neutral content of an HTTP event.
type inbound struct {
	method   string
	rawPath  string // escaped path, "" means "/"
	rawQuery string
	header   http.Header
	host     string // Host header, or the event's domain name
	sourceIP string
	body     string
	base64   bool
}

// errBadEvent marks an event that cannot become an *http.Request; it is
// answered with 400, never passed to the handler.
var errBadEvent = errors.New("platform: malformed event")

// request builds the *http.Request a handler sees, as net/http's server
// would: Host moved out of Header, RequestURI set, RemoteAddr host:port
// (empty when the source IP is no IP address).
func (in inbound) request(ctx context.Context) (*http.Request, error) {
	if !validMethod(in.method) {
		return nil, fmt.Errorf("%w: missing or invalid HTTP method %q", errBadEvent, in.method)
	}
	path := in.rawPath
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: path %q does not start with /", errBadEvent, path)
	}
	uri := path
	if in.rawQuery != "" {
		uri += "?" + in.rawQuery
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, fmt.Errorf("%w: request URI: %v", errBadEvent, err)
	}
	body := []byte(in.body)
	if in.base64 {
		if body, err = base64.StdEncoding.DecodeString(in.body); err != nil {
			return nil, fmt.Errorf("%w: body is not valid base64: %v", errBadEvent, err)
		}
	}
	header := in.header
	if header == nil {
		header = http.Header{}
	}
	host := in.host
	if h := header.Get("Host"); h != "" {
		host = h
	}
	header.Del("Host")
	r := &http.Request{
		Method:        in.method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Host:          host,
		RequestURI:    uri,
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	// The cloud sets the source IP from the connection, so it is always an
	// address; anything else (only a forged or broken event carries it)
	// leaves RemoteAddr empty, as no client address, rather than a
	// host:port that net.SplitHostPort refuses.
	if ip, err := netip.ParseAddr(in.sourceIP); err == nil {
		r.RemoteAddr = netip.AddrPortFrom(ip, 0).String()
	}
	return r.WithContext(ctx), nil
}

// validMethod reports whether m is a non-empty RFC 9110 token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// headerOf turns an event's single-valued header map into an http.Header.
// Values stay as the platform joined them (comma-separated multi-values).
func headerOf(m map[string]string) http.Header {
	h := make(http.Header, len(m))
	for k, v := range m {
		h.Add(k, v)
	}
	return h
}

// recorder buffers a handler's response so it can become a response event.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

// Header implements http.ResponseWriter.
func (w *recorder) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter; informational codes and
// repeated calls are ignored, as the buffered event has one status.
func (w *recorder) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
}

// Write implements http.ResponseWriter.
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// outbound is the buffered result: status, header (Content-Type sniffed
// as net/http does when the handler set none) and the body, encoded for a
// JSON event: plain text when it is valid UTF-8 with a textual type, else
// base64.
type outbound struct {
	status int
	header http.Header
	body   string
	base64 bool
}

func (w *recorder) result() outbound {
	out := outbound{status: w.status, header: w.header}
	if out.status == 0 {
		out.status = http.StatusOK
	}
	b := w.body.Bytes()
	if len(b) == 0 {
		return out
	}
	if _, ok := w.header["Content-Type"]; !ok {
		w.header.Set("Content-Type", http.DetectContentType(b))
	}
	if utf8.Valid(b) && textual(w.header.Get("Content-Type")) {
		out.body = string(b)
	} else {
		out.body, out.base64 = base64.StdEncoding.EncodeToString(b), true
	}
	return out
}

// textual reports whether a Content-Type names text that can travel as a
// JSON string.
func textual(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/ecmascript", "application/x-www-form-urlencoded",
		"application/x-ndjson", "application/graphql":
		return true
	}
	return false
}

// joined flattens a header for the single-valued maps of response events:
// multi-values are joined with ", ". Set-Cookie is left to the caller when
// skipCookies is true.
func joined(h http.Header, skipCookies bool) map[string]string {
	m := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) == 0 || (skipCookies && http.CanonicalHeaderKey(k) == "Set-Cookie") {
			continue
		}
		m[k] = strings.Join(vs, ", ")
	}
	return m
}

// badRequest is the response to a malformed event, in the project's error
// shape. Only malformed events get here; handler errors are the api's.
func badRequest(err error) outbound {
	msg := "The request could not be read."
	if errors.Is(err, errBadEvent) {
		msg = "The request could not be read: " + strings.TrimPrefix(err.Error(), errBadEvent.Error()+": ") + "."
	}
	return errorOutbound(http.StatusBadRequest, todo.Invalid, msg)
}

func errorOutbound(status int, code, message string) outbound {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	return outbound{status: status, header: h, body: string(wire.Marshal(code, message))}
}
