package app

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// engine is one storage engine: how to open it from the configuration and
// how to read its stream's events. (Creating its tables is a tool's job, in
// package app/tables, so that no function links it.) Each engine is built
// by a function in a file of its own (engine_<name>.go), guarded by a build
// tag where it links a cloud SDK; the tag's other side
// (engine_no<name>.go) makes that function return nil.
type engine struct {
	name string
	// local reports whether c points the engine at this machine only.
	local func(c Config) bool
	// problems names what c lacks for this engine.
	problems func(c Config) []string
	open     func(ctx context.Context, c Config) (todo.Store, error)
	// stream reads the users table's stream events; nil if the engine's
	// platform delivers none.
	stream *streamCodec
}

// streamCodec recognises and handles one engine's stream events: the
// engine decodes them, the mailer's batch policy (package app/stream)
// handles the records.
type streamCodec struct {
	// claims reports whether payload is this engine's stream event. It
	// must not claim another engine's events: HandleStream asks the
	// engines in the order of the engines list.
	claims func(payload []byte) bool
	handle func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error)
}

// engines lists the engines built into this binary, in the order
// HandleStream asks them to claim a payload. The list is explicit (no
// init() registry); an engine a build tag leaves out is nil here and
// dropped.
var engines = builtIn(boltEngine(), dynamodbEngine(), tablestoreEngine())

func builtIn(es ...*engine) []*engine {
	return slices.DeleteFunc(es, func(e *engine) bool { return e == nil })
}

// Optional capabilities of a store, each a small interface checked where
// it is used (App.Follow, App.Sweep) instead of a type assertion on an
// engine's store type.
type (
	// changeFeed is a store with a change feed of its own (the embedded
	// store: the local stand-in for a table stream).
	changeFeed interface {
		Follow(ctx context.Context, fn func(context.Context, todo.UserChange) error, opts bolt.FollowOptions) error
	}
	// sweeper is a store without TTL that drops its expired keys,
	// counters and sessions when asked.
	sweeper interface {
		Sweep(now time.Time) (int, error)
		SweepSessions(now time.Time) (int, error)
	}
)

var (
	_ changeFeed = (*bolt.Store)(nil)
	_ sweeper    = (*bolt.Store)(nil)
)

// leftOutBy names, for each engine a build tag can leave out, that tag, so
// that a binary built without it says so (the engine files' build lines).
var leftOutBy = map[string]string{"dynamodb": "no_dynamodb", "tablestore": "no_tablestore"}

// lookupEngine returns the engine named name, or nil.
func lookupEngine(name string) *engine {
	i := slices.IndexFunc(engines, func(e *engine) bool { return e.name == name })
	if i < 0 {
		return nil
	}
	return engines[i]
}

// engineNames lists the engines built into this binary.
func engineNames() []string {
	var out []string
	for _, e := range engines {
		out = append(out, e.name)
	}
	return out
}
