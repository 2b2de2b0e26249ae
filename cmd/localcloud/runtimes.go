package main

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/dynamostreamtest"
	"github.com/todofn/todofn/internal/fcruntimetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/app/tables"
)

// dynalite starts dynalite (internal/devstack, as make run-services does)
// on -dynalite-port and returns its endpoint.
func (c *cloud) dynalite(ctx context.Context) (string, error) {
	d, err := devstack.StartDynalite(ctx, devstack.DynaliteOptions{Bin: c.o.dynalite, Port: c.o.dynalitePort, Fast: true,
		Out: c.con.writer("dynalite")})
	if err != nil {
		return "", err
	}
	c.adopt("dynalite", d.Proc)
	return d.Endpoint, nil
}

// lambda starts DynamoDB (dynalite unless given), creates the tables and
// runs each function under its own runtime interface emulator, and plays the
// users table's stream to the mailer until playCtx ends.
func (c *cloud) lambda(ctx, playCtx context.Context, env, bins map[string]string) (map[string]invoker, string, error) {
	endpoint := c.o.dynamoEndpoint
	if endpoint == "" {
		var err error
		if endpoint, err = c.dynalite(ctx); err != nil {
			return nil, "", err
		}
	}
	env["STORE"] = "dynamodb"
	env["DYNAMODB_ENDPOINT"] = endpoint
	env["AWS_REGION"] = cmp.Or(c.o.getenv("AWS_REGION"), "us-east-1")
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "localcloud", "localcloud"
	cfg := config(env)
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	if err := retry(ctx, func() error { return tables.Create(ctx, cfg) }); err != nil {
		return nil, "", fmt.Errorf("create tables: %w", err)
	}

	fns := map[string]invoker{}
	for _, fn := range c.o.names() {
		inv, err := c.startLambda(fn, fn, bins[fn], env)
		if err != nil {
			return nil, "", err
		}
		fns[fn] = inv
	}
	if fns["mailer"] == nil {
		return fns, "DynamoDB: " + endpoint + " (no mailer: -only)", nil
	}

	stream := dynamostreamtest.New(cfg.AWS.DynamoDBEndpoint, cfg.AWS.Region, cfg.Tables.Users)
	// What is in the table already was mailed about in an earlier run.
	if existing, err := stream.Poll(ctx); err != nil {
		return nil, "", err
	} else if len(existing) > 0 {
		c.log.Info("stream: starting after the users already in the table", "users", len(existing))
	}
	p := &dynamoPlayer{poll: stream.Poll, mailer: fns["mailer"], log: c.log}
	go play(playCtx, p)
	return fns, "DynamoDB: " + endpoint + " (tables " + cfg.Tables.Users + ", " + cfg.Tables.Todos + ", " + cfg.Tables.Keys + ")", nil
}

// startLambda runs one function binary under its own runtime interface
// emulator, as child name.
func (c *cloud) startLambda(name, fn, bin string, env map[string]string) (invoker, error) {
	addr, err := devstack.FreeAddr()
	if err != nil {
		return nil, err
	}
	apiAddr, err := devstack.FreeAddr()
	if err != nil {
		return nil, err
	}
	// Both addresses on loopback: the emulator's defaults listen on
	// every interface.
	ch, err := c.start(name, []string{c.o.rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bin},
		childEnv(env, "AWS_LAMBDA_FUNCTION_NAME="+fn, "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(functionTimeout/time.Second))))
	if err != nil {
		return nil, err
	}
	if err := waitTCP(addr, ch, 20*time.Second); err != nil {
		return nil, err
	}
	return newRIE(addr), nil
}

// fc serves the Tablestore double, creates the tables, runs each function
// against its own FC runtime API double, and plays the users table's
// Tablestore trigger to the mailer until playCtx ends.
func (c *cloud) fc(ctx, playCtx context.Context, env, bins map[string]string) (map[string]invoker, string, error) {
	ts := tablestoretest.New()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(c.o.tablestorePort))
	if err != nil {
		return nil, "", fmt.Errorf("tablestore double: %w", err)
	}
	tsSrv := &http.Server{Handler: ts.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = tsSrv.Serve(ln) }()
	c.closers = append(c.closers, func() { _ = tsSrv.Close() })
	endpoint := "http://" + ln.Addr().String()

	instance := cmp.Or(c.o.getenv("TABLESTORE_INSTANCE"), "todofn")
	env["STORE"] = "tablestore"
	env["TABLESTORE_ENDPOINT"] = endpoint
	env["TABLESTORE_INSTANCE"] = instance
	env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "localcloud", "localcloud"
	cfg := config(env)
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	if err := tables.Create(ctx, cfg); err != nil {
		return nil, "", fmt.Errorf("create tables: %w", err)
	}

	fns := map[string]invoker{}
	for _, fn := range c.o.names() {
		inv, err := c.startFC(fn, fn, bins[fn], env)
		if err != nil {
			return nil, "", err
		}
		fns[fn] = inv
	}
	if fns["mailer"] == nil {
		return fns, "Tablestore double: " + endpoint + " (no mailer: -only)", nil
	}
	p := &tablestorePlayer{changes: func(from int) []tablestoretest.Change { return ts.Changes(instance, cfg.Tables.Users, from) },
		mailer: fns["mailer"], log: c.log}
	go play(playCtx, p)
	return fns, "Tablestore double: " + endpoint + " (instance " + instance + ")", nil
}

// startFC runs one function binary against its own FC runtime API double,
// as child name.
func (c *cloud) startFC(name, _, bin string, env map[string]string) (invoker, error) {
	rt := fcruntimetest.NewServer(fcruntimetest.WithTimeout(functionTimeout))
	c.closers = append(c.closers, rt.Close)
	if _, err := c.start(name, []string{bin}, childEnv(env, "FC_RUNTIME_API="+rt.Addr())); err != nil {
		return nil, err
	}
	return rt, nil
}
