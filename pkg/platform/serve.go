//go:build !lambda.norpc || !no_bolt

package platform

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The plain HTTP server (net/http's Server) is in every build but the
// deployed AWS flavour: -tags lambda.norpc (the Lambda runtime only) with
// no_bolt (a cloud build, no embedded store) runs only under the Lambda
// runtime API, never as a plain server, and leaving http.Server out makes
// each of its bootstraps 0.31 MiB smaller (docs/performance.md).
// noserve.go is the other side. The FC flavour keeps it: the FC custom
// runtime is a plain HTTP server. Builds that run functions as plain
// servers with the AWS runtime (cmd/bench's cold and memory sections) keep
// the embedded store, and so the server.

// hasServe reports whether this build has the plain HTTP server.
const hasServe = true

// Timeouts and limits of the plain HTTP server (writeTimeout is in
// server.go).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
	maxHeaderBytes    = 64 << 10
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
