package platform

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

const (
	// writeTimeout is the plain HTTP server's write timeout (serve.go),
	// which also bounds a request's answer time (deadline.go).
	writeTimeout = 60 * time.Second
	// maxEventBytes bounds a POST /invoke body, as Lambda and FC bound
	// event payloads.
	maxEventBytes = 6 << 20
)

// plainRequestID is the request ID of a plain HTTP request: FC's
// x-fc-request-id on the FC custom runtime, else a well-formed client
// X-Request-Id, else a fresh random one.
func plainRequestID(r *http.Request, fcCustom bool) string {
	if id := r.Header.Get("X-Fc-Request-Id"); fcCustom && wire.ValidRequestID(id) {
		return id
	}
	return r.Header.Get(wire.RequestIDHeader) // wire.WithRequestID replaces it if malformed
}

// plainHTTP serves h with the request ID in the context, and a deadline a
// second before the server's write timeout (see withWriteDeadline), or on
// the FC custom runtime before the function's timeout if that comes first
// (see withCustomRuntimeDeadline). On the FC custom runtime, r.RemoteAddr
// becomes the client's address (see fcClientAddr). A panic in h answers
// 500 (see serveRecovering).
//
// HTTP answers carry no x-fc-status: FC passes an HTTP function's answer
// through to the client, and its response headers may not hold fields
// that start with x-fc- ("Web functions", Limits,
// https://www.alibabacloud.com/help/en/functioncompute/fc/web-functions).
func plainHTTP(h http.Handler, fcCustom bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := withWriteDeadline(r.Context())
		if fcCustom {
			ctx, cancel = withCustomRuntimeDeadline(ctx, cancel, r)
			r.RemoteAddr = fcClientAddr(r)
		}
		defer cancel()
		serveRecovering(w, r.WithContext(wire.WithRequestID(ctx, plainRequestID(r, fcCustom))), h)
	})
}

// fcClientAddr is the client's address on FC's custom runtime, where the
// server's only peer is FC's own front end (FC forwards each HTTP-trigger
// request to the instance's HTTP server: "Web functions",
// https://www.alibabacloud.com/help/en/functioncompute/fc/web-functions),
// so the socket's address is the same for every client and per-IP budgets
// would be one global budget. The platform knows that proxy is there, so it
// believes what the proxy reports (wire.ProxyReportedClient): FC's
// x-fc-client-ip, else the X-Forwarded-For hop FC appended, the last one; a
// client's own X-Forwarded-For only comes before it. Without either the
// peer's address stays. TRUSTED_PROXIES then applies on top, to proxies in
// front of FC (a CDN or WAF): their hops precede FC's.
//
// FC's documentation leaves open which of the two headers a custom
// runtime's HTTP server gets (its common-header table lists neither; FC's
// FAQ describes X-Forwarded-For only for built-in runtimes:
// https://www.alibabacloud.com/help/en/functioncompute/fc/how-to-get-the-original-ip-address-of-the-client-when-the-http-trigger-calls-the-built-in-runtime-function)
// and whether FC appends to a client's X-Forwarded-For or replaces it. If
// it passed a client's header on untouched and set no x-fc-client-ip, the
// last hop would be the client's own choice. To check a deployed function:
// sign up from one machine more often than IP_SIGNUP_LIMIT allows, each
// request with another made-up X-Forwarded-For; a 429 shows that the
// client's hops are not taken for its address.
func fcClientAddr(r *http.Request) string {
	ip := wire.ProxyReportedClient(r)
	if ip == "" {
		return r.RemoteAddr
	}
	_, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		port = "0"
	}
	return net.JoinHostPort(ip, port)
}

// plainEvents serves an EventHandler at POST /invoke, FC custom runtime's
// event convention: the body is the event; 200 with the handler's bytes, or
// 500 with a JSON error when the handler fails or panics, so the caller
// retries. On the FC custom runtime every answer carries x-fc-status and a
// failure answers 404 (see fcEventWriter), and the handler's deadline
// follows the function's timeout (see withCustomRuntimeDeadline).
func plainEvents(h EventHandler, fcCustom bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := w // MaxBytesReader tells the connection itself to close
		if fcCustom {
			w = &fcEventWriter{ResponseWriter: w}
		}
		if r.URL.Path != "/invoke" {
			wire.Error(w, todo.NotFound, "There is nothing here: events are posted to /invoke.")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			wire.Error(w, todo.MethodNotAllowed, "Events are invoked with POST.")
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(body, r.Body, maxEventBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				wire.Error(w, todo.TooLarge, "The event is too large.")
				return
			}
			wire.Error(w, todo.Invalid, "The event could not be read.")
			return
		}
		ctx, cancel := withWriteDeadline(r.Context())
		if fcCustom {
			ctx, cancel = withCustomRuntimeDeadline(ctx, cancel, r)
		}
		defer cancel()
		out, err := handleRecovering(wire.WithRequestID(ctx, plainRequestID(r, fcCustom)), h, payload)
		if err != nil {
			wire.Error(w, todo.Internal, "The event could not be handled; try again.")
			return
		}
		ct := "application/octet-stream"
		if len(out) > 0 && json.Valid(out) {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	})
}

// fcEventWriter is the ResponseWriter of an event invocation on FC's custom
// runtime. FC reads the outcome of an event invocation from the answer's
// x-fc-status, 200 for success and 404 for failure, and the status code
// likewise; without x-fc-status it counts the invocation a success ("Event
// handlers" of a custom runtime, Function invocation:
// https://www.alibabacloud.com/help/en/function-compute/latest/custom-runtime-event-functions).
// A failure answered with a bare 500 would thus be a success, and a
// trigger that retries failures (the Tablestore trigger's mail) would not
// retry it. So every answer gets x-fc-status, and any answer that is not a
// 2xx becomes 404 with x-fc-status 404, its body still the error envelope
// (whose code says what failed).
type fcEventWriter struct {
	http.ResponseWriter
	wrote bool
}

// Header values FC reads from an event invocation's answer.
const (
	fcStatusHeader = "X-Fc-Status"
	fcEventOK      = http.StatusOK
	fcEventFailed  = http.StatusNotFound
)

// WriteHeader writes 200 for a 2xx code, else 404, with x-fc-status alike.
func (w *fcEventWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	status := fcEventOK
	if code < 200 || code > 299 {
		status = fcEventFailed
	}
	w.Header().Set(fcStatusHeader, strconv.Itoa(status))
	w.ResponseWriter.WriteHeader(status)
}

// Write writes the header (200) first if it was not.
func (w *fcEventWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
