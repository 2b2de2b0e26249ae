package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/todofn/todofn/pkg/wire"
)

// TestLimitsFileIsCurrent fails when web/limits.js differs from what
// pkg/todo and pkg/wire give: run `make generate`.
func TestLimitsFileIsCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "web", "limits.js"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Limits() {
		t.Errorf("web/limits.js is out of date with pkg/todo and pkg/wire: run `make generate`")
	}
}

// TestConstNamesAreJavaScriptIdentifiers checks that every error code of
// the API becomes a distinct plain identifier and a plain string, so a new
// code can neither break web/limits.js nor shadow another.
func TestConstNamesAreJavaScriptIdentifiers(t *testing.T) {
	ident := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	str := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]string{}
	for _, c := range wire.Codes() {
		n := constName(c)
		if !ident.MatchString(n) || !str.MatchString(c) {
			t.Errorf("code %q gives %q: not a plain identifier and string", c, n)
		}
		if prev, ok := seen[n]; ok {
			t.Errorf("codes %q and %q both give %s", prev, c, n)
		}
		seen[n] = c
	}
	if got := constName("validation_failed"); got != "VALIDATION_FAILED" {
		t.Errorf("constName(validation_failed) = %q, want VALIDATION_FAILED", got)
	}
}
