package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/repo"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

// Targets -start knows.
const (
	targetLocal    = "local"    // the local server on the embedded store, mail in its dev sink
	targetServices = "services" // the local server on DynamoDB (dynalite), mail through Mailpit, as make run-services
)

// server is a started target: the local server and what it runs on, each
// on a free 127.0.0.1 port (internal/devstack) with its data in a
// temporary folder.
type server struct {
	Name     string // what runs, for the report's heading
	Base     string // the API
	Mailbox  string // the mailbox URL for NewMailbox
	dir      string
	local    *devstack.Server
	services *devstack.Services
}

// Stop stops every process and removes the data.
func (s *server) Stop() {
	if s.local != nil {
		s.local.Stop()
	}
	if s.services != nil {
		s.services.Stop()
	}
	os.RemoveAll(s.dir)
}

// Logs returns the tail of the local server's output, for a failed run.
func (s *server) Logs() string {
	if s.local == nil {
		return ""
	}
	return s.local.Tail(40)
}

// starter builds the local server once and starts targets with it.
type starter struct {
	root   string // the module's root
	binary string // the local server; built into dir when empty
	once   sync.Once
	err    error
	dir    string
}

// moduleRoot is the repository's folder.
func moduleRoot() (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, "run the soak inside the repository")
	}
	return root, nil
}

// build builds ./cmd/local unless a binary was given.
func (st *starter) build(ctx context.Context) error {
	st.once.Do(func() {
		if st.binary != "" {
			return
		}
		if st.dir, st.err = os.MkdirTemp("", "todofn-soak-bin-"); st.err != nil {
			return
		}
		st.binary = filepath.Join(st.dir, "todofn-local")
		st.err = devstack.BuildLocal(ctx, st.root, st.binary)
	})
	return st.err
}

// close removes the built binary.
func (st *starter) close() {
	if st.dir != "" {
		os.RemoveAll(st.dir)
	}
}

// start starts the target named kind. The server runs with
// RATE_LIMITS=off (every client comes from 127.0.0.1) and a per-user write
// budget far above what a client sends.
func (st *starter) start(ctx context.Context, kind string) (*server, error) {
	if kind != targetLocal && kind != targetServices {
		return nil, fmt.Errorf("unknown target %q: want %s or %s", kind, targetLocal, targetServices)
	}
	if err := st.build(ctx); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "todofn-soak-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	env := []string{
		"DATA_DIR=" + filepath.Join(dir, "data"), "WEB_DIR=" + filepath.Join(st.root, "web"),
		"LOG_LEVEL=warn", "RATE_LIMITS=off", "USER_WRITE_LIMIT=1000/1s",
	}
	name := "local (embedded store, dev mail sink) "
	if kind == targetServices {
		if s.services, err = devstack.StartServices(ctx, devstack.ServicesOptions{Root: st.root, Dir: dir}); err != nil {
			return nil, err
		}
		env = append(env, s.services.Env...)
		name = "services (DynamoDB on dynalite, mail through Mailpit) "
		cfg := app.ConfigFrom(func(k string) string { return devstack.Lookup(env, k) })
		tctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = tables.Create(tctx, cfg)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	port, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	origin := fmt.Sprintf("http://127.0.0.1:%d", port)
	env = append(env, "APP_URL="+origin+"/")
	s.local, err = devstack.StartServer(ctx, devstack.ServerOptions{Name: "server", Bin: st.binary, Dir: st.root,
		Port: port, Env: env, Health: "/healthz"})
	if err != nil {
		return nil, err
	}
	s.Name, s.Base, s.Mailbox = name+origin, origin, origin+"/_dev/mail.json"
	if s.services != nil {
		s.Mailbox = s.services.Mailpit.APIURL
	}
	ok = true
	return s, nil
}
