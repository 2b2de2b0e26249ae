package app

import (
	"io"
	"log/slog"
	"sync"
	"testing"
)

// TestDevSecretsConcurrentStart: processes starting at once on a fresh
// DATA_DIR (as make run-lambda starts every function) all get the same
// secrets, and none reads a file another is still writing.
func TestDevSecretsConcurrentStart(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		const n = 8
		apps := make([]*App, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			apps[i] = &App{Config: Config{Store: "bolt", DataDir: dir}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			wg.Go(func() { errs[i] = apps[i].devSecrets() })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d: start %d: %v", round, i, errs[i])
			}
			if apps[i].Config.AppSecret != apps[0].Config.AppSecret || apps[i].Config.Tokens.SigningKeys != apps[0].Config.Tokens.SigningKeys {
				t.Fatalf("round %d: start %d got other secrets than start 0", round, i)
			}
		}
	}
}
