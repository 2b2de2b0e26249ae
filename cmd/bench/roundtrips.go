package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/todofn/todofn/internal/benchtest"
	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/tablestoretest"
)

// roundTrips counts the store calls of each todo route on DynamoDB
// (dynalite) and Tablestore (the protocol double) through the local server
// and prints them with issue 20's targets.
func roundTrips(ctx context.Context, o options, r *report) error {
	bin := filepath.Join(o.work, "local-default")
	if err := goBuild(ctx, o.root, "", bin, "./cmd/local"); err != nil {
		return err
	}
	d, err := devstack.StartDynalite(ctx, devstack.DynaliteOptions{Root: o.root, Fast: true})
	if err != nil {
		return err
	}
	defer d.Stop()
	ts := tablestoretest.NewServer()
	defer ts.Close()
	all := map[string][]benchtest.Cost{}
	for _, eng := range []struct{ name, upstream string }{{"dynamodb", d.Endpoint}, {"tablestore", ts.URL()}} {
		e, err := benchtest.StartEngine(ctx, eng.name, eng.upstream, bin)
		if err != nil {
			return err
		}
		costs, err := benchtest.MeasureEngine(ctx, e)
		e.Stop()
		if err != nil {
			return fmt.Errorf("%s: %w", eng.name, err)
		}
		all[eng.name] = costs
	}
	fmt.Fprintln(r.w, "reads+writes of each route after its session check (the read of the sessions table every authenticated call makes first, counted apart: +1s)")
	fmt.Fprintf(r.w, "%-46s %-38s %-38s %s\n", "route", "DynamoDB (dynalite): reads+writes", "Tablestore (double): reads+writes", "target")
	for i, c := range all["dynamodb"] {
		t := all["tablestore"][i]
		cell := func(c benchtest.Cost) string {
			if !c.Measured {
				return "not measured (no case)"
			}
			return fmt.Sprintf("%d+%d +%ds  %s", c.Calls.Of(benchtest.Read), c.Calls.Of(benchtest.Write), c.Calls.Of(benchtest.Session), c.Calls)
		}
		fmt.Fprintf(r.w, "%-46s %-38s %-38s %s\n", c.Function+": "+c.Name, cell(c), cell(t), c.Target)
		// One target per engine: DynamoDB writes atomically in one call,
		// Tablestore has no atomic write across tables (docs/performance.md).
		for _, e := range []struct {
			name string
			cost benchtest.Cost
		}{{"DynamoDB", c}, {"Tablestore", t}} {
			figure := fmt.Sprintf("%d reads + %d writes (+%d session check)", e.cost.Calls.Of(benchtest.Read), e.cost.Calls.Of(benchtest.Write), e.cost.Calls.Of(benchtest.Session))
			if !e.cost.Measured {
				figure = "not measured: the route has no case in internal/benchtest"
			}
			r.target("store round trips, "+e.name+", "+c.Name+": "+c.Target.String(), figure, "", e.cost.Met())
		}
	}
	return nil
}
