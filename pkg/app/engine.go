package app

import (
	"context"
	"log/slog"
	"slices"

	"github.com/todofn/todofn/pkg/todo"
)

// engine is one storage engine: how to open it from the configuration and
// how to read its stream's events. (Creating its tables is a tool's job, in
// package app/tables, so that no function links it.) Each engine
// adds itself to the table in a file of its own (engine_<name>.go), guarded
// by a build tag where it links a cloud SDK, so leaving an engine out of a
// binary is one tag and adding one is one file.
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
	// follow runs the store's own change feed; nil if it has none.
	follow func(ctx context.Context, s todo.Store, fn func(context.Context, todo.UserChange) error, onError func(uint64, error))
	// sweep drops expired rows of a store without TTL; nil if none.
	sweep func(s todo.Store) (int, error)
}

// streamCodec recognises and handles one engine's stream events.
type streamCodec struct {
	claims func(payload []byte) bool
	handle func(ctx context.Context, payload []byte, fn func(context.Context, todo.UserChange) error, log *slog.Logger) ([]byte, error)
}

// engines is filled by the engine files' init functions before main runs
// and never changed after.
var engines []*engine

func registerEngine(e *engine) { engines = append(engines, e) }

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
