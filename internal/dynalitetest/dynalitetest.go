// Package dynalitetest runs dynalite, an in-memory DynamoDB-API server from
// npm (installed by `npm install` at the repository root), for tests and dev
// tools. One process serves the whole test binary: it starts on first use on
// a free 127.0.0.1 port (internal/devstack's StartDynalite); call Stop from
// TestMain.
package dynalitetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/proctest"
	"github.com/todofn/todofn/internal/repo"
)

var (
	once   sync.Once
	server *devstack.Dynalite
	err    error // why it did not start
)

// Endpoint returns dynalite's URL, starting it on first use. It skips the
// test when dynalite is not installed, or fails it when
// TODOFN_REQUIRE_SERVICES=1.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	once.Do(start)
	proctest.Need(tb, err)
	return server.Endpoint
}

func start() {
	root, rerr := repo.Root()
	if rerr != nil {
		err = fmt.Errorf("%w: the test's folder is outside the repository", rerr)
		return
	}
	server, err = devstack.StartDynalite(context.Background(), devstack.DynaliteOptions{Root: root, Fast: true})
}

// Stop stops the dynalite process, if one was started.
func Stop() {
	if server != nil {
		server.Stop()
	}
}
