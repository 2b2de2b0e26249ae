// Command smoke sends deploy/smoke's exchanges over HTTPS to a deployed
// stage's function URLs (web/config.json, which `make web-config` writes
// from the stack or the FC service) and fails on any answer that differs
// from the recorded one: `make e2e-remote`, the release's end-to-end check of
// the test stage. The exchanges need no mailbox (register uses SES's mailbox
// simulator), so they run against any stage; a sign-up through a mailed code
// cannot run remotely and stays in the local end-to-end tests (e2e/).
//
//	smoke -config web/config.json
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/todofn/todofn/deploy/smoke"
)

func main() {
	config := flag.String("config", "web/config.json", `the stage's URLs: {"functions":{"register":URL,...}}`)
	timeout := flag.Duration("timeout", 2*time.Minute, "the whole check's time limit")
	flag.Parse()
	if err := run(*config, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "smoke: %v\n", err)
		os.Exit(1)
	}
}

func run(config string, timeout time.Duration) error {
	data, err := os.ReadFile(filepath.Clean(config)) // a path the person running the check names
	if err != nil {
		return err
	}
	var c struct {
		Functions map[string]string `json:"functions"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("%s: %w", config, err)
	}
	cases, err := smoke.Cases()
	if err != nil {
		return err
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	id := "r" + hex.EncodeToString(b) // this run's addresses and budgets
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	diffs := smoke.Run(ctx, cases, id, smoke.HTTP(&http.Client{Timeout: 30 * time.Second}, c.Functions))
	for _, d := range diffs {
		fmt.Println("diff:", d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d of %d exchanges differ", len(diffs), len(cases))
	}
	fmt.Printf("smoke: %d exchanges with %d functions answered as recorded (run %s)\n", len(cases), len(c.Functions), id)
	return nil
}
