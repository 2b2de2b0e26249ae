// Command descriptors writes the per-function parts of template.yml (AWS
// SAM) and s.yaml (Serverless Devs, FC3) from the route table in pkg/route:
//
//	go run ./cmd/descriptors            # rewrite both files in place (make generate)
//	go run ./cmd/descriptors -check     # exit 1 if either is out of date
//
// Each file keeps its hand-written parts (parameters, globals, tables, the
// release resources, the mailer's trigger and alarm) and marks every
// generated region with a pair of comment lines:
//
//	# BEGIN GENERATED <region> ...
//	# END GENERATED <region>
//
// The command replaces what lies between them and nothing else. Why a
// generator and not CloudFormation's Fn::ForEach: docs/deploy.md, "Where the
// descriptors come from".
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	check := flag.Bool("check", false, "only report whether the files are current (exit 1 if not)")
	dir := flag.String("dir", ".", "the repository root holding template.yml and s.yaml")
	flag.Parse()
	// Every file is opened through a root at dir, so no name can reach
	// outside the repository.
	root, err := os.OpenRoot(*dir)
	if err != nil {
		fail(err)
	}
	defer root.Close()
	stale := false
	for _, d := range Files() {
		cur, err := root.ReadFile(d.Path)
		if err != nil {
			fail(err)
		}
		out, err := d.Generate(string(cur))
		if err != nil {
			fail(fmt.Errorf("%s: %w", d.Path, err))
		}
		if out == string(cur) {
			continue
		}
		if *check {
			fmt.Fprintf(os.Stderr, "descriptors: %s is out of date with pkg/route: run `make generate`\n", d.Path)
			stale = true
			continue
		}
		if err := writeFile(root, d.Path, out); err != nil {
			fail(err)
		}
	}
	if stale {
		os.Exit(1)
	}
}

// writeFile replaces path with data through a temporary file beside it, so
// an interrupted run leaves the old file whole.
func writeFile(root *os.Root, path, data string) error {
	info, err := root.Stat(path)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := root.WriteFile(tmp, []byte(data), info.Mode().Perm()); err != nil {
		return err
	}
	return root.Rename(tmp, path)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "descriptors: %v\n", err)
	os.Exit(2)
}
