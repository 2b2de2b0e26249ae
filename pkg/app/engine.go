package app

import (
	"context"
	"slices"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// engine is one storage engine: how to open it from the configuration.
// (Reading its stream's events is the mailer's job, in package app/mailer,
// and creating its tables a tool's, in package app/tables, so that no HTTP
// function links either.) Each engine is built by a function in a file of its own
// (engine_<name>.go), guarded by a build tag where it links a cloud SDK;
// the tag's other side (engine_no<name>.go) makes that function return
// nil.
type engine struct {
	name string
	// local reports whether c points the engine at this machine only.
	local func(c Config) bool
	// problems names what c lacks for this engine.
	problems func(c Config) []string
	open     func(ctx context.Context, c Config) (todo.Store, error)
}

// engines lists the engines built into this binary. The list is explicit
// (no init() registry); an engine a build tag leaves out is nil here and
// dropped.
var engines = builtIn(boltEngine(), dynamodbEngine(), tablestoreEngine())

func builtIn(es ...*engine) []*engine {
	return slices.DeleteFunc(es, func(e *engine) bool { return e == nil })
}

// Optional capabilities of a store, each a small interface checked where
// it is used (App.Follow through follow, App.Sweep) instead of a type
// assertion on an engine's store type. The change feed's interface,
// changeFeed, names the embedded store's options, so it lives in
// engine_bolt.go.
type (
	// sweeper is a store without TTL that drops its expired keys,
	// counters and sessions when asked.
	sweeper interface {
		Sweep(now time.Time) (int, error)
		SweepSessions(now time.Time) (int, error)
	}
)

// leftOutBy names, for each engine a build tag can leave out, that tag, so
// that a binary built without it says so (the engine files' build lines).
var leftOutBy = map[string]string{"bolt": "no_bolt", "dynamodb": "no_dynamodb", "tablestore": "no_tablestore"}

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
