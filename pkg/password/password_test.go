package password_test

import (
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/password"
)

// fast keeps unit tests quick; the default parameters are measured by the
// benchmark.
var fast = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h := password.NewHasher(fast)
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash = %q, want a PHC argon2id string", hash)
	}
	again, _ := h.Hash("correct horse battery")
	if again == hash {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name     string
		hash     string
		password string
		want     bool
		wantErr  bool
	}{
		{"right", hash, "correct horse battery", true, false},
		{"wrong", hash, "correct horse battery!", false, false},
		{"empty hash uses the dummy", "", "anything", false, false},
		{"not argon2id", "$2a$10$abc", "x", false, true},
		{"bad base64", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", "x", false, true},
		{"absurd memory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"other version", strings.Replace(hash, "v=19", "v=16", 1), "correct horse battery", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(tt.hash, tt.password)
			if ok != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("Verify = %v, %v; want %v, err %v", ok, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	old := password.NewHasher(fast)
	hash, _ := old.Hash("password1")
	if old.NeedsRehash(hash) {
		t.Fatal("fresh hash needs rehash")
	}
	if !password.NewHasher(password.DefaultParams).NeedsRehash(hash) {
		t.Fatal("hash with weaker parameters does not need rehash")
	}
}

// BenchmarkVerify measures one login's hashing cost with the default
// parameters; the dummy path for unknown accounts must cost the same.
func BenchmarkVerify(b *testing.B) {
	h := password.NewHasher(password.DefaultParams)
	hash, _ := h.Hash("correct horse battery")
	b.Run("known", func(b *testing.B) {
		for b.Loop() {
			_, _ = h.Verify(hash, "wrong password")
		}
	})
	b.Run("unknown", func(b *testing.B) {
		for b.Loop() {
			_, _ = h.Verify("", "wrong password")
		}
	})
}
