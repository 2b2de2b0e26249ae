// Package httpeventtest holds what the function-event doubles share whatever
// the cloud: reading an HTTP request into the parts every HTTP event carries
// (path, host, request line, body), and writing a decoded response event back
// as an HTTP response. Each cloud's double keeps its own event format, its
// header and query conventions and its error prefix: fcruntimetest builds
// FC3's HTTP-trigger event, lambdaurltest Lambda's function-URL event.
package httpeventtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Request is what both event formats take from an HTTP request alike.
type Request struct {
	Host            string // r.Host, else the URL's host
	DomainPrefix    string // Host up to its first dot
	RawPath         string // the escaped path, "/" when empty
	HTTP            HTTP
	Body            string // the body as text when it is valid UTF-8, else base64
	IsBase64Encoded bool
}

// HTTP is requestContext.http, which both formats spell the same: a double
// converts it to its own type.
type HTTP struct {
	Method    string
	Path      string
	Protocol  string
	SourceIP  string
	UserAgent string
}

// EventJSON builds r's event with build, for requestID and stamped with the
// current time, and returns it as JSON.
func EventJSON[E any](r *http.Request, requestID string, build func(*http.Request, string, time.Time) (E, error)) ([]byte, error) {
	ev, err := build(r, requestID, time.Now())
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// ReadRequest reads r's body and returns the cloud-neutral part of its event.
// Its errors carry no prefix: the caller adds its own.
func ReadRequest(r *http.Request) (*Request, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		body = b
	}
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	req := &Request{
		Host:         host,
		DomainPrefix: strings.SplitN(host, ".", 2)[0],
		RawPath:      r.URL.EscapedPath(),
		HTTP: HTTP{
			Method:    r.Method,
			Path:      r.URL.Path,
			Protocol:  "HTTP/1.1",
			SourceIP:  sourceIP(r.RemoteAddr),
			UserAgent: r.UserAgent(),
		},
	}
	if req.RawPath == "" {
		req.RawPath = "/"
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			req.Body = string(body)
		} else {
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return req, nil
}

func sourceIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// Response is a decoded response event as both formats have it; Cookies is
// Lambda's alone. Its fields stand in the order of lambdaurltest.Response,
// which converts to it.
type Response struct {
	StatusCode      int
	Headers         map[string]string
	Body            string
	IsBase64Encoded bool
	Cookies         []string
}

// WriteResponse writes resp to w: the headers (in name order), one
// Set-Cookie per cookie, the status (200 when it has none) and the body,
// base64-decoded when IsBase64Encoded. It writes nothing when resp is not a
// valid response. Its errors carry no prefix: the caller adds its own.
func WriteResponse(w http.ResponseWriter, resp Response) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("decode response body: %w", err)
		}
		body = b
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if status < 100 || status > 999 {
		return fmt.Errorf("response status %d out of range", status)
	}
	keys := make([]string, 0, len(resp.Headers))
	for k := range resp.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.Header().Set(k, resp.Headers[k])
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response body: %w", err)
	}
	return nil
}
