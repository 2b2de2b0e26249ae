// Package platform runs a function's http.Handler (or event handler) on
// whatever platform started the process: AWS Lambda (custom runtime, function
// URL events), Alibaba Cloud Function Compute 3 (Go runtime, HTTP-trigger
// events) or a plain HTTP server (FC custom runtime, local runs).
//
// It is the only package that imports github.com/aws/aws-lambda-go and
// github.com/aliyun/fc-runtime-go-sdk. Handlers see only net/http: platform
// turns each cloud's event into an *http.Request and the handler's response
// back into the cloud's response event, so one binary runs everywhere and
// handlers are tested with httptest.
//
// The platform is chosen from the environment, in this order:
//
//   - AWS_LAMBDA_RUNTIME_API set: the Lambda runtime API loop of aws-lambda-go
//     (build the binary as "bootstrap" with -tags lambda.norpc);
//   - FC_RUNTIME_API set: the FC3 Go runtime loop of fc-runtime-go-sdk (fc.Start);
//   - otherwise a plain HTTP server on 0.0.0.0:$FC_CUSTOM_LISTEN_PORT when
//     FC_CUSTOM_LISTEN_PORT is set (FC custom runtime), else on $HOST:$PORT
//     (default 127.0.0.1:9000).
//
// A panic that escapes the handler is recovered at this boundary (see
// recover.go): an HTTP request gets a 500 in the one error envelope, an
// event a failed invocation, and the panic is logged once.
//
// Platform only translates and runs: traffic recording (package record)
// and deploy metrics (package metrics) are middleware the composition root
// adds (pkg/app/apiserver).
//
// Build tags keep each cloud's SDK out of the other cloud's binaries: the
// AWS flavour (-tags lambda.norpc, or no_fc) leaves out fc-runtime-go-sdk,
// the FC flavour (-tags no_dynamodb, or no_lambda) leaves out
// aws-lambda-go; Run then refuses the missing platform with an error.
// The plain HTTP server is in every build but the deployed AWS flavour
// (lambda.norpc with no_bolt: serve.go, noserve.go). internal/archtest
// checks the SDKs.
package platform

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// Environment variables that choose the platform.
const (
	EnvLambdaRuntimeAPI = "AWS_LAMBDA_RUNTIME_API" // set by AWS Lambda
	EnvFCRuntimeAPI     = "FC_RUNTIME_API"         // set by the FC3 Go runtime
	EnvFCListenPort     = "FC_CUSTOM_LISTEN_PORT"  // set by the FC3 custom runtime (see listenAddr)
	EnvHost             = "HOST"                   // plain HTTP: listen host, default 127.0.0.1
	EnvPort             = "PORT"                   // plain HTTP: listen port, default 9000
)

// Default listen address parts for the plain HTTP server.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = "9000"
)

// EventHandler handles one event-driven invocation: payload is the raw event
// as the platform delivered it, and the returned bytes are the result. A
// non-nil error marks the invocation failed, so the platform may retry it.
type EventHandler interface {
	HandleEvent(ctx context.Context, payload []byte) ([]byte, error)
}

// EventHandlerFunc adapts an ordinary function to EventHandler.
type EventHandlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// HandleEvent calls f(ctx, payload).
func (f EventHandlerFunc) HandleEvent(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// Start runs h on the platform chosen from the process environment.
//
// Start is the one place in the project that exits the process: when the
// platform cannot be started (a port in use, say) it prints one line to
// stderr and exits with status 1. On Lambda and FC it never returns (the
// SDKs' loops run until the instance is frozen or killed). As a plain HTTP
// server it shuts down gracefully on SIGINT or SIGTERM and then returns, so
// that deferred calls in main still run.
func Start(h http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exitOnError(Run(ctx, os.Getenv, h))
}

// StartEvents is Start for an event-driven function. As a plain HTTP server
// it serves POST /invoke with the event as the body.
func StartEvents(h EventHandler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exitOnError(RunEvents(ctx, os.Getenv, h))
}

func exitOnError(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Run is the testable form of Start: env looks up configuration (os.Getenv in
// production). As a plain HTTP server Run returns nil after ctx is cancelled
// and the server has shut down gracefully, or an error if it cannot listen
// or serve.
//
// On Lambda and FC, Run starts the SDK's invoke loop and returns nil when ctx
// is cancelled; the loop itself cannot be stopped and stays until the
// process exits (on Lambda, invocations then see a cancelled context). Both
// SDKs read their runtime API address from the process environment, not from
// env, so Run returns an error if env disagrees with os.Getenv about it.
func Run(ctx context.Context, env func(string) string, h http.Handler, opts ...Option) error {
	switch mode, err := choose(env); {
	case err != nil:
		return err
	case mode == modeLambda:
		return runLambdaHTTP(ctx, h)
	case mode == modeFC:
		return runFCHTTP(ctx, h)
	default:
		return serve(ctx, listenAddr(env), plainHTTP(h, env(EnvFCListenPort) != ""), options(opts))
	}
}

// Option changes how Run serves.
type Option func(*runOptions)

type runOptions struct {
	onListen func(addr net.Addr)
}

// OnListen calls fn with the plain HTTP server's address once it listens,
// before it serves the first request (a dev server prints its URL there).
// On Lambda and FC there is no listener and fn is not called.
func OnListen(fn func(addr net.Addr)) Option {
	return func(o *runOptions) { o.onListen = fn }
}

func options(opts []Option) runOptions {
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// RunEvents is the testable form of StartEvents; see Run.
func RunEvents(ctx context.Context, env func(string) string, h EventHandler, opts ...Option) error {
	switch mode, err := choose(env); {
	case err != nil:
		return err
	case mode == modeLambda:
		return runLambdaEvents(ctx, h)
	case mode == modeFC:
		return runFCEvents(ctx, h)
	default:
		return serve(ctx, listenAddr(env), plainEvents(h, env(EnvFCListenPort) != ""), options(opts))
	}
}

type mode int

const (
	modeHTTP mode = iota
	modeLambda
	modeFC
)

// Kind is the platform a process runs on, as Run chooses it.
type Kind int

// The platforms.
const (
	HTTP     Kind = iota // a plain HTTP server (make run)
	Lambda               // AWS Lambda's runtime API
	FC                   // FC3's Go runtime
	FCCustom             // FC3's custom runtime: a plain HTTP server FC calls
)

// Detect is the platform Run chooses from env (without Run's check that
// the process environment agrees). Middleware the composition root adds
// per platform (package metrics) asks it.
func Detect(env func(string) string) Kind {
	switch {
	case env(EnvLambdaRuntimeAPI) != "":
		return Lambda
	case env(EnvFCRuntimeAPI) != "":
		return FC
	case env(EnvFCListenPort) != "":
		return FCCustom
	}
	return HTTP
}

// choose picks the platform from env and checks that the SDK, which reads
// os.Getenv itself, will see the same runtime API address.
func choose(env func(string) string) (mode, error) {
	for _, c := range []struct {
		key  string
		mode mode
	}{{EnvLambdaRuntimeAPI, modeLambda}, {EnvFCRuntimeAPI, modeFC}} {
		v := env(c.key)
		if v == "" {
			continue
		}
		if os.Getenv(c.key) != v {
			return modeHTTP, fmt.Errorf("platform: %s=%q must also be set in the process environment, where the SDK reads it", c.key, v)
		}
		return c.mode, nil
	}
	return modeHTTP, nil
}

// listenAddr is 0.0.0.0:$FC_CUSTOM_LISTEN_PORT on the FC custom runtime,
// else $HOST:$PORT with the defaults.
//
// FC 3.0 sets FC_CUSTOM_LISTEN_PORT, "the custom listening port of the
// function", among its system environment variables
// (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables),
// from the function's customRuntimeConfig.port (CAPort, default 9000); the
// server must listen on 0.0.0.0:CAPort, as 127.0.0.1 is unreachable for FC
// and fails the cold start with FunctionNotStarted
// (https://www.alibabacloud.com/help/en/functioncompute/fc/must-the-listening-port-of-a-custom-runtime-be-the-same-as-that-of-the-http-server-of-the-custom-runtime).
// FC_SERVER_PORT, which this code read before, is documented nowhere in
// FC 3.0; only the fc3 component's `s local` sets it, and it sets
// FC_CUSTOM_LISTEN_PORT too (devsapp/fc3 src/subCommands/local/impl/baseLocal.ts,
// invoke/customLocalInvoke.ts), so it is not read.
func listenAddr(env func(string) string) string {
	if p := env(EnvFCListenPort); p != "" {
		return net.JoinHostPort("0.0.0.0", p)
	}
	host, port := env(EnvHost), env(EnvPort)
	if host == "" {
		host = DefaultHost
	}
	if port == "" {
		port = DefaultPort
	}
	return net.JoinHostPort(host, port)
}
