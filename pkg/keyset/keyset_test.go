package keyset

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseFormatRoundTrip(t *testing.T) {
	k1, err := New("k1")
	if err != nil {
		t.Fatal(err)
	}
	k2 := Key{ID: "old", Secret: bytes.Repeat([]byte{7}, 32)}
	got, err := Parse(Format([]Key{k1, k2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "k1" || !bytes.Equal(got[0].Secret, k1.Secret) || got[1].ID != "old" || !bytes.Equal(got[1].Secret, k2.Secret) {
		t.Fatalf("round trip gave %+v", got)
	}
	// Standard base64 with padding, and spaces around items, read the same.
	got, err = Parse(" a=" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" + " , ")
	if err != nil || len(got) != 1 || len(got[0].Secret) != 32 {
		t.Fatalf("Parse = %+v, %v", got, err)
	}
}

func TestParseRefusesMalformedItems(t *testing.T) {
	for _, s := range []string{"nokey", "k=not*base64"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted it", s)
		}
	}
}

func TestCheck(t *testing.T) {
	long := bytes.Repeat([]byte{1}, MinSecretLen)
	tests := []struct {
		name string
		key  Key
		want string // a part of the error; "" means valid
	}{
		{"good", Key{ID: "k-1.a_b", Secret: long}, ""},
		{"short secret", Key{ID: "k", Secret: long[:31]}, "at least 32"},
		{"bad id", Key{ID: "k/1", Secret: long}, "key ID"},
		{"empty id", Key{ID: "", Secret: long}, "key ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.Check(MinSecretLen)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}

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
