package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/todofn/todofn/pkg/route"
)

// fcTags are the FC flavour's build tags (the Makefile's FC_TAGS).
const fcTags = "no_dynamodb,no_bolt"

// cloudBuild is how one cloud's functions and SDK floor are built.
type cloudBuild struct {
	name, goarch, tags string
	floor, floorTags   string // the floor's folder under bench/ and its tags
}

var clouds = []cloudBuild{
	{name: "AWS", goarch: "arm64", tags: awsTags, floor: "floor-dynamodb", floorTags: "lambda.norpc,benchfloor"},
	{name: "FC", goarch: "amd64", tags: fcTags, floor: "floor-tablestore", floorTags: "benchfloor"},
}

// sizes builds every function for each cloud with build_fn, stripped, and
// the cloud's SDK floor alike, zips each as cmd/pack does (Deflate at its best level, the
// bootstrap alone, fixed times), and prints each function's excess over
// its floor.
func sizes(ctx context.Context, o options, r *report) error {
	pack := filepath.Join(o.work, "pack")
	if err := goBuild(ctx, o.root, "", pack, "./cmd/pack"); err != nil {
		return err
	}
	type built struct{ bin, zip int64 }
	build := func(c cloudBuild, fn, tags, out string) (built, error) {
		if err := buildFn(ctx, o.root, fn, "linux", c.goarch, tags, out); err != nil {
			return built{}, err
		}
		zip := out + ".zip"
		if b, err := exec.CommandContext(ctx, pack, "-o", zip, out).CombinedOutput(); err != nil {
			return built{}, fmt.Errorf("pack %s: %v: %s", out, err, b)
		}
		bin, err := fileSize(out)
		if err != nil {
			return built{}, err
		}
		z, err := fileSize(zip)
		return built{bin, z}, err
	}
	for _, c := range clouds {
		dir := filepath.Join(o.work, "sizes", c.name)
		floor, err := build(c, "../bench/"+c.floor, c.floorTags, filepath.Join(dir, c.floor, "bootstrap"))
		if err != nil {
			return err
		}
		fmt.Fprintf(r.w, "%s: linux/%s -tags %s; floor bench/%s %s (zip %s)\n", c.name, c.goarch, c.tags, c.floor, mib(floor.bin), mib(floor.zip))
		worstHTTP, worstHTTPFn, mailer := int64(-1<<62), "", int64(0)
		for _, f := range route.All() {
			b, err := build(c, f.Name, c.tags, filepath.Join(dir, f.Name, "bootstrap"))
			if err != nil {
				return err
			}
			excess := b.bin - floor.bin
			fmt.Fprintf(r.w, "  %-16s %s  %+.2f MiB over the floor  zip %s\n", f.Name, mib(b.bin), float64(excess)/(1<<20), mib(b.zip))
			if f.HTTP() {
				if excess > worstHTTP {
					worstHTTP, worstHTTPFn = excess, f.Name
				}
			} else {
				mailer = excess
			}
		}
		r.target(fmt.Sprintf("%s bootstraps ≤ floor + 1 MiB for every HTTP function", c.name),
			fmt.Sprintf("largest %s: %+.2f MiB over the floor's %s", worstHTTPFn, float64(worstHTTP)/(1<<20), mib(floor.bin)), "", worstHTTP <= 1<<20)
		r.target(fmt.Sprintf("%s mailer ≤ floor + 2 MiB", c.name),
			fmt.Sprintf("%+.2f MiB over the floor's %s", float64(mailer)/(1<<20), mib(floor.bin)), "", mailer <= 2<<20)
	}
	return nil
}
