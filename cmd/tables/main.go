// Command tables creates the cloud tables the configuration names, if they
// are missing: users (with its change stream), todos, keys and sessions (with TTL).
// It is safe to run again.
//
//	STORE=dynamodb AWS_REGION=eu-west-1 go run ./cmd/tables
//	STORE=tablestore TABLESTORE_ENDPOINT=... TABLESTORE_INSTANCE=... go run ./cmd/tables
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

func main() {
	cfg := app.ConfigFromEnv()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if cfg.Store == "bolt" {
		fmt.Fprintln(os.Stderr, "tables: set STORE=dynamodb or STORE=tablestore (the embedded store needs no tables)")
		os.Exit(2)
	}
	if err := tables.Create(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "tables: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("tables: %s, %s, %s and %s are ready on %s\n", cfg.Tables.Users, cfg.Tables.Todos, cfg.Tables.Keys, cfg.Tables.Sessions, cfg.Store)
}
