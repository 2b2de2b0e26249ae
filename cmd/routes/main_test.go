package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when functions.mk or web/routes.js
// differs from what the route table gives: run `make generate`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, tt := range []struct {
		name, path, want string
	}{
		{"make", "functions.mk", Make()},
		{"web", "web/routes.js", Web()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join("..", "..", tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("%s is out of date with pkg/route: run `make generate`", tt.path)
			}
		})
	}
}
