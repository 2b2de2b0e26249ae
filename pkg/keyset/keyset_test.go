package keyset

import (
	"bytes"
	"testing"
)

func TestDeriveSeparatesUses(t *testing.T) {
	secret := bytes.Repeat([]byte{9}, 32)
	a, b := Derive(secret, "use a"), Derive(secret, "use b")
	if len(a) != 32 || bytes.Equal(a, b) || bytes.Equal(a, secret) {
		t.Fatalf("Derive gave %x and %x", a, b)
	}
	if !bytes.Equal(a, Derive(secret, "use a")) {
		t.Fatal("Derive is not deterministic")
	}
}
