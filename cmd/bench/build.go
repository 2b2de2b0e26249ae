package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goBuild builds pkg (relative to dir) with tags into out, for this host.
func goBuild(ctx context.Context, dir, tags, out, pkg string) error {
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// buildFn builds fn (a folder under functions/, or ../bench/NAME for a
// reference program) with the Makefile's one recipe, build_fn (through its
// bench-fn target): static, stripped, reproducible.
func buildFn(ctx context.Context, root, fn, goos, goarch, tags, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "make", "-s", "--no-print-directory", "bench-fn", "FN="+fn,
		"BENCH_GOOS="+goos, "BENCH_GOARCH="+goarch, "BENCH_TAGS="+tags, "BENCH_OUT="+out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make bench-fn FN=%s %s/%s -tags %s: %v\n%s", fn, goos, goarch, tags, err, strings.TrimSpace(string(b)))
	}
	return nil
}

// fileSize is the size of path in bytes.
func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
