// Package repo finds the repository a tool or test runs in.
package repo

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNoModule is Root's error when no folder up from the working folder
// holds a go.mod.
var ErrNoModule = errors.New("no go.mod above the working folder")

// Root is the nearest folder up from the working folder with a go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoModule
		}
		dir = parent
	}
}
