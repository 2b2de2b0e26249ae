package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLeftOutByMatchesBuildLines: leftOutBy names exactly the engines whose
// file has a `//go:build !TAG` line, with that TAG, so the "not built
// into this binary" message names the real tag. (cmd/local's tests start
// a binary built with those tags and STORE=dynamodb.)
func TestLeftOutByMatchesBuildLines(t *testing.T) {
	files, err := filepath.Glob("engine_*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no engine files: %v", err)
	}
	build := regexp.MustCompile(`(?m)^//go:build !(\w+)$`)
	found := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := build.FindSubmatch(src); m != nil {
			found[strings.TrimSuffix(strings.TrimPrefix(f, "engine_"), ".go")] = string(m[1])
		}
	}
	if len(found) != len(leftOutBy) {
		t.Errorf("engine files with a build tag: %v; leftOutBy: %v", found, leftOutBy)
	}
	for name, tag := range found {
		if leftOutBy[name] != tag {
			t.Errorf("engine_%s.go is left out by -tags %s; leftOutBy says %q", name, tag, leftOutBy[name])
		}
	}
}
