//go:build !no_dynamodb && !no_tablestore

package tables

import (
	"slices"
	"testing"
)

// TestCreatorsListEveryCloudEngine: in a binary with every engine, each
// engine with tables has its creator in the explicit list, so Create never
// reaches its "no table creation" error for an engine the app opens.
func TestCreatorsListEveryCloudEngine(t *testing.T) {
	var names []string
	for _, c := range creators {
		if c == nil {
			t.Fatal("a nil creator in a binary built with every engine")
		}
		names = append(names, c.engine)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"dynamodb", "tablestore"}) {
		t.Fatalf("creators for %v, want dynamodb and tablestore", names)
	}
}
