package todolist_test

import (
	"os"
	"testing"
)

// TestMain runs every test in three modes: on the embedded store with each
// write's calls in one transaction (todo.Transactor), then call by call,
// as Tablestore runs it, then call by call with the store's atomic writes
// (todo.AtomicWriter: the service's fast path, falling back to the calls),
// as DynamoDB runs it. TODOLIST_CALL_BY_CALL=1 runs only the call-by-call
// modes.
func TestMain(m *testing.M) {
	for _, mode := range []struct{ callByCall, atomic bool }{{false, false}, {true, false}, {true, true}} {
		if os.Getenv("TODOLIST_CALL_BY_CALL") != "" && !mode.callByCall {
			continue
		}
		callByCallMode, atomicMode = mode.callByCall, mode.atomic
		if code := m.Run(); code != 0 {
			os.Exit(code)
		}
	}
	os.Exit(0)
}
