package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// App is what every function shares, built once per process: the validated
// configuration, the logger and the store. The parts a function uses on top
// of it (the API server, the account service, the todo service, the mailer)
// each have a constructor in a package under pkg/app, so a function links
// only the parts it asks for.
type App struct {
	Config Config
	Log    *slog.Logger
	// Store is the configured engine's store, open.
	Store todo.Store

	engine *engine
	secret []byte
	logOut io.Writer
}

// Open validates cfg and opens its store. On a local configuration (the
// embedded store, or a cloud engine's endpoint on loopback), a missing JWT
// key or app secret is generated once and kept in DATA_DIR/dev-secrets.json,
// so a local run needs no configuration; in the cloud both are required.
func Open(cfg Config) (*App, error) {
	return OpenWithLog(cfg, os.Stderr)
}

// OpenWithLog is Open with the log written to w.
func OpenWithLog(cfg Config, w io.Writer) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: newLogger(cfg, w), engine: lookupEngine(cfg.Store), logOut: w}
	if cfg.needsDevSecrets() {
		if err := a.devSecrets(); err != nil {
			return nil, err
		}
	}
	a.secret, _ = decodeSecret(a.Config.AppSecret) // checked by Validate or generated
	var err error
	if a.Store, err = a.engine.open(context.Background(), a.Config); err != nil {
		return nil, err
	}
	return a, nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // unknown: info
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// LogWriter is where Log writes (stderr, or OpenWithLog's writer): a
// plain server's per-request access lines go there too.
func (a *App) LogWriter() io.Writer {
	if a.logOut == nil {
		return os.Stderr
	}
	return a.logOut
}

// Secret is APP_SECRET decoded: the key of verification codes and paging
// cursors.
func (a *App) Secret() []byte { return a.secret }

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// Follow hands each committed account change to fn until ctx ends, and
// reports true, when the store has a change feed of its own (the embedded
// store: the local stand-in for a table stream). It reports false at once
// when the store has none; the cloud delivers its stream as events.
func (a *App) Follow(ctx context.Context, fn func(context.Context, todo.UserChange) error) bool {
	return follow(ctx, a.Store, fn, func(seq uint64, err error) {
		a.Log.Error("mailer: change not handled; will retry", "seq", seq, "error", err)
	})
}

// Sweep removes expired keys and counters from a store that does not expire
// them itself, and returns how many went; cloud tables expire rows by TTL,
// so there it does nothing.
func (a *App) Sweep() (int, error) {
	sw, ok := a.Store.(sweeper)
	if !ok {
		return 0, nil
	}
	now := time.Now()
	n, err := sw.Sweep(now)
	if err == nil {
		var sessions int
		sessions, err = sw.SweepSessions(now)
		n += sessions
	}
	if err != nil {
		return n, fmt.Errorf("app: sweep: %w", err)
	}
	return n, nil
}
