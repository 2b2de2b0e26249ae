package route

import (
	"reflect"
	"testing"
)

// TestLookupIsAll checks Lookup's doc: it returns each function as All
// has it, routes and Deploy included, a copy the caller may change
// without changing the table; and nothing for a name not in it.
func TestLookupIsAll(t *testing.T) {
	for _, want := range All() {
		got, ok := Lookup(want.Name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("Lookup(%q) = %+v, %v; want All's %+v", want.Name, got, ok, want)
		}
		if len(got.Routes) > 0 {
			got.Routes[0].Pattern = "/changed"
			if again, _ := Lookup(want.Name); again.Routes[0].Pattern == "/changed" {
				t.Fatalf("Lookup(%q) shares its routes with the table", want.Name)
			}
		}
	}
	if f, ok := Lookup("no-such-function"); ok || !reflect.DeepEqual(f, Function{}) {
		t.Fatalf("Lookup of an unknown name = %+v, %v", f, ok)
	}
}
