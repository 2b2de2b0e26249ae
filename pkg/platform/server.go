package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/wire"
)

// Timeouts of the plain HTTP server.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
	maxHeaderBytes    = 64 << 10
	// maxEventBytes bounds a POST /invoke body, as Lambda and FC bound
	// event payloads.
	maxEventBytes = 6 << 20
)

// serve runs h on addr until ctx is cancelled, then shuts down gracefully,
// giving in-flight requests shutdownTimeout to finish.
func serve(ctx context.Context, addr string, h http.Handler, o runOptions) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("platform: listen on %s: %w", addr, err)
	}
	if o.onListen != nil {
		o.onListen(ln.Addr())
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("platform: serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("platform: shut down server on %s: %w", addr, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("platform: serve on %s: %w", addr, err)
	}
	return nil
}

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
// second before the server's write timeout (see withWriteDeadline). On the
// FC custom runtime, r.RemoteAddr becomes the client's address (see
// fcClientAddr).
func plainHTTP(h http.Handler, fcCustom bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := withWriteDeadline(r.Context())
		defer cancel()
		if fcCustom {
			r.RemoteAddr = fcClientAddr(r)
		}
		h.ServeHTTP(w, r.WithContext(wire.WithRequestID(ctx, plainRequestID(r, fcCustom))))
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
// 500 with a JSON error when the handler fails, so the caller retries.
func plainEvents(h EventHandler, fcCustom bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/invoke" {
			wire.Error(w, todo.NotFound, "There is nothing here: events are posted to /invoke.")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			wire.Error(w, todo.MethodNotAllowed, "Events are invoked with POST.")
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBytes))
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
		defer cancel()
		out, err := h.HandleEvent(wire.WithRequestID(ctx, plainRequestID(r, fcCustom)), payload)
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
