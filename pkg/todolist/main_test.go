package todolist_test

import (
	"os"
	"testing"
)

// TestMain runs every test twice: on the embedded store with each write
// in one transaction (todo.Transactor), then call by call, as the cloud
// engines run it (TODOLIST_CALL_BY_CALL=1 runs only that).
func TestMain(m *testing.M) {
	if os.Getenv("TODOLIST_CALL_BY_CALL") == "" {
		if code := m.Run(); code != 0 {
			os.Exit(code)
		}
	}
	callByCallMode = true
	os.Exit(m.Run())
}
