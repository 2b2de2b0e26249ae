package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/todofn/todofn/internal/devstack"
)

// build builds cmd/local of ref into out: from a git worktree of ref, or
// from the working tree when ref is "." (uncommitted changes included).
func build(root, ref, out string) (string, error) {
	dir := root
	if ref != "." {
		dir = out + ".src"
		if b, err := git(root, "worktree", "add", "--detach", dir, ref); err != nil {
			return "", fmt.Errorf("git worktree add %s: %v\n%s", ref, err, b)
		}
		defer func() { _, _ = git(root, "worktree", "remove", "--force", dir) }()
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/local")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build cmd/local of %s: %v\n%s", ref, err, b)
	}
	rev, err := git(dir, "rev-parse", "--short", "HEAD")
	if err != nil {
		return "", fmt.Errorf("git rev-parse: %v", err)
	}
	if ref == "." {
		return "working tree at " + strings.TrimSpace(string(rev)), nil
	}
	return ref + " (" + strings.TrimSpace(string(rev)) + ")", nil
}

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// keys are the settings every instance shares, so that tokens, codes and
// cursors are made the same way on each: one ES256 pair (as `go run
// ./cmd/jwks -new` prints) and one APP_SECRET.
func keys() ([]string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 48)
	_, _ = rand.Read(secret)
	enc := base64.RawURLEncoding.EncodeToString
	return []string{"JWT_SIGNING_KEYS=k1=" + enc(priv), "JWT_PUBLIC_KEYS=k1=" + enc(pub),
		"APP_SECRET=" + base64.StdEncoding.EncodeToString(secret)}, nil
}

// server is one started local server.
type server struct {
	url string
	out bytes.Buffer // all its output, complete once stop returns
	*devstack.Server
}

// start runs the local server bin with its own data folder under dir,
// the shared keys and no per-IP budgets (every request comes from here).
func start(bin, dir string, shared []string) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &server{}
	var err error
	s.Server, err = devstack.StartServer(context.Background(), devstack.ServerOptions{Bin: bin, Out: &s.out, Health: "/healthz",
		Env: append([]string{"DATA_DIR=" + dir, "WEB_DIR=" + filepath.Join(dir, "no-web"), "RATE_LIMITS=off", "LOG_LEVEL=warn"}, shared...)})
	if err != nil {
		return nil, err
	}
	s.url = s.URL
	return s, nil
}

// stop interrupts the server and waits for it (killing it after 10 s).
func (s *server) stop() { s.Stop() }
