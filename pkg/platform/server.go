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
// second before the server's write timeout (see withWriteDeadline).
func plainHTTP(h http.Handler, fcCustom bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := withWriteDeadline(r.Context())
		defer cancel()
		h.ServeHTTP(w, r.WithContext(wire.WithRequestID(ctx, plainRequestID(r, fcCustom))))
	})
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
