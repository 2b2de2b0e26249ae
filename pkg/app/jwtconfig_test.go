package app

import (
	"strings"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/keyset"
)

func formatted(t *testing.T, ids ...string) (signing, public string) {
	t.Helper()
	var s []keyset.SigningKey
	var p []keyset.PublicKey
	for _, id := range ids {
		k, err := keyset.Generate(id)
		if err != nil {
			t.Fatal(err)
		}
		s, p = append(s, k), append(p, k.Public())
	}
	signing, _ = keyset.FormatSigning(s)
	public, _ = keyset.FormatPublic(p)
	return signing, public
}

func TestJWTSettings(t *testing.T) {
	signing, public := formatted(t, "k1")
	_, otherK1 := formatted(t, "k1")
	_, k2 := formatted(t, "k2")
	tests := []struct {
		name string
		env  []string
		want []string // substrings of the error; none means valid
	}{
		{"signing and public", []string{"JWT_SIGNING_KEYS", signing, "JWT_PUBLIC_KEYS", public + "," + k2}, nil},
		{"public only", []string{"JWT_PUBLIC_KEYS", k2}, nil},
		{"TTL of an hour", []string{"JWT_TTL", "1h"}, nil},
		{"TTL over an hour", []string{"JWT_TTL", "61m"}, []string{"JWT_TTL must be a duration from 1s to 1h"}},
		{"TTL under a second", []string{"JWT_TTL", "500ms"}, []string{"JWT_TTL"}},
		{"a public key as signing key", []string{"JWT_SIGNING_KEYS", public}, []string{`JWT_SIGNING_KEYS: keyset: key "k1": not a PKCS#8 private key`}},
		{"a signing key as public key", []string{"JWT_PUBLIC_KEYS", signing}, []string{`JWT_PUBLIC_KEYS: keyset: key "k1": not a PKIX public key`}},
		{"malformed item", []string{"JWT_PUBLIC_KEYS", k2 + ",oops"}, []string{`JWT_PUBLIC_KEYS: keyset: key "oops": want kid=base64key`}},
		{"one kid, two keys", []string{"JWT_SIGNING_KEYS", signing, "JWT_PUBLIC_KEYS", otherK1},
			[]string{`JWT_SIGNING_KEYS and JWT_PUBLIC_KEYS: keyset: key ID "k1" names two different keys`}},
		{"cloud with public keys", []string{"STORE", "dynamodb", "AWS_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "a",
			"AWS_SECRET_ACCESS_KEY", "b", "APP_SECRET", strings.Repeat("A", 44), "JWT_PUBLIC_KEYS", k2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ConfigFrom(env(tt.env...)).Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
	if c := ConfigFrom(env()); c.Tokens.TTL != 10*time.Minute {
		t.Errorf("JWT_TTL defaults to %v, want 10m", c.Tokens.TTL)
	}
}

func TestJWTVerifyingIsTheUnion(t *testing.T) {
	signing, _ := formatted(t, "new")
	_, public := formatted(t, "old", "older")
	c := ConfigFrom(env("JWT_SIGNING_KEYS", signing, "JWT_PUBLIC_KEYS", public))
	keys, err := c.JWTVerifying()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if strings.Join(ids, ",") != "new,old,older" {
		t.Fatalf("verifying keys %v, want new, old, older", ids)
	}
}
