package password_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
		{"argon2i", strings.Replace(hash, "argon2id", "argon2i", 1), "correct horse battery", false, true},
		{"bad base64", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", "x", false, true},
		{"absurd memory", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"parameters out of order", strings.Replace(hash, "m=64,t=1,p=1", "t=1,m=64,p=1", 1), "correct horse battery", false, true},
		{"trailing garbage in parameters", strings.Replace(hash, "p=1", "p=1x", 1), "correct horse battery", false, true},
		{"other version", strings.Replace(hash, "v=19", "v=16", 1), "correct horse battery", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(tt.hash, tt.password)
			if ok != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("Verify = %v, %v; want %v, err %v", ok, err, tt.want, tt.wantErr)
			}
			ok, err = h.VerifyContext(context.Background(), tt.hash, tt.password)
			if ok != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("VerifyContext = %v, %v; want %v, err %v", ok, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestNormalizedHashing: a password typed as composed or decomposed
// accents, or in full-width or ligature forms, is the same password to
// Hash and Verify.
func TestNormalizedHashing(t *testing.T) {
	h := password.NewHasher(fast)
	tests := []struct {
		name, set, login string
	}{
		{"composed then decomposed", "caf\u00e9 au lait pour moi", "cafe\u0301 au lait pour moi"},
		{"decomposed then composed", "cafe\u0301 au lait pour moi", "caf\u00e9 au lait pour moi"},
		{"full-width then ASCII", "ｃｏｒｒｅｃｔ ｈｏｒｓｅ", "correct horse"},
		{"ligature then letters", "\ufb01sh and chips forever", "fish and chips forever"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, err := h.HashContext(context.Background(), tt.set)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := h.Verify(hash, tt.login); !ok || err != nil {
				t.Fatalf("Verify(%q) against a hash of %q = %v, %v; want true", tt.login, tt.set, ok, err)
			}
		})
	}
	hash, _ := h.Hash("caf\u00e9 au lait pour moi")
	if ok, _ := h.Verify(hash, "cafe au lait pour moi"); ok {
		t.Fatal("an accent dropped still verifies: normalisation folds too much")
	}
}

func TestNeedsRehash(t *testing.T) {
	h := password.NewHasher(fast)
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	other := func(change func(*password.Params)) string {
		p := fast
		change(&p)
		s, err := password.NewHasher(p).Hash("correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name string
		hash string
		want bool
	}{
		{"the hasher's own parameters", hash, false},
		{"more memory", other(func(p *password.Params) { p.Memory = 128 }), true},
		{"more passes", other(func(p *password.Params) { p.Time = 2 }), true},
		{"more lanes", other(func(p *password.Params) { p.Threads = 2 }), true},
		{"longer salt", other(func(p *password.Params) { p.SaltLen = 32 }), true},
		{"shorter key", other(func(p *password.Params) { p.KeyLen = 16 }), true},
		{"argon2i", strings.Replace(hash, "argon2id", "argon2i", 1), true},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", true},
		{"malformed", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.hash); got != tt.want {
				t.Fatalf("NeedsRehash(%q) = %v, want %v", tt.hash, got, tt.want)
			}
		})
	}
	if !password.NewHasher(password.DefaultParams).NeedsRehash(hash) {
		t.Fatal("a hash with weaker parameters does not need a rehash under the defaults")
	}
}

func TestConcurrency(t *testing.T) {
	tests := []struct {
		name     string
		memoryMB int
		p        password.Params
		want     int
	}{
		{"128 MB", 128, password.DefaultParams, 1},
		{"256 MB", 256, password.DefaultParams, 4},
		{"512 MB", 512, password.DefaultParams, 10},
		{"1024 MB", 1024, password.DefaultParams, 22},
		{"below the baseline", 32, password.DefaultParams, 1},
		{"one hash's worth", password.BaselineMB + 1, password.DefaultParams, 1},
		{"tiny parameters", 128, fast, 14}, // (128-40-2)/6,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := password.Concurrency(tt.memoryMB, tt.p); got != tt.want {
				t.Fatalf("Concurrency(%d, %+v) = %d, want %d", tt.memoryMB, tt.p, got, tt.want)
			}
		})
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

// BenchmarkHash measures a sign-up's hashing cost with the default
// parameters.
func BenchmarkHash(b *testing.B) {
	h := password.NewHasher(password.DefaultParams)
	for b.Loop() {
		_, _ = h.Hash("correct horse battery")
	}
}

// BenchmarkVerifyParallel runs log-ins from GOMAXPROCS goroutines through
// the slots of a 256 MB function (4 at once): ns/op is the time per
// log-in at that throughput.
func BenchmarkVerifyParallel(b *testing.B) {
	h := password.NewHasher(password.DefaultParams, password.WithConcurrency(password.Concurrency(256, password.DefaultParams)),
		password.WithMaxWait(time.Hour))
	hash, _ := h.Hash("correct horse battery")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Verify(hash, "wrong password"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheck measures the rules for a new password: normalisation,
// length and the common-password lookup.
func BenchmarkCheck(b *testing.B) {
	_ = password.Check("warm the list up")
	for b.Loop() {
		_ = password.Check("correct horse battery staple")
	}
}
