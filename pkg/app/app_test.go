package app

import (
	"os"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/keyset"
)

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string // substrings of the error; none means valid
	}{
		{"local default", nil, nil},
		{"bad store", []string{"STORE", "mysql"}, []string{"STORE must be"}},
		{"cloud needs secrets", []string{"STORE", "dynamodb", "AWS_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b"},
			[]string{"JWT_PUBLIC_KEYS is required", "APP_SECRET is required"}},
		{"dynamodb without region or credentials", []string{"STORE", "dynamodb", "JWT_PUBLIC_KEYS", "k=x", "APP_SECRET", strings.Repeat("A", 44)},
			[]string{"AWS_REGION", "AWS_ACCESS_KEY_ID"}},
		{"dynalite is local", []string{"STORE", "dynamodb", "AWS_REGION", "local", "DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"}, nil},
		{"tablestore", []string{"STORE", "tablestore"}, []string{"TABLESTORE_ENDPOINT", "TABLESTORE_INSTANCE", "ALIBABA_CLOUD_ACCESS_KEY_ID", "JWT_PUBLIC_KEYS"}},
		{"short secret", []string{"APP_SECRET", "c2hvcnQ"}, []string{"APP_SECRET must be base64 of at least 32 bytes"}},
		{"bad values", []string{"JWT_TTL", "forever", "SMTP_PORT", "99999", "LOG_FORMAT", "xml", "SMTP_SECURITY", "ssl", "APP_URL", "ftp://x"},
			[]string{"JWT_TTL", "SMTP_PORT", "LOG_FORMAT", "SMTP_SECURITY", "APP_URL"}},
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
}

func TestOpenRefusesBadJWTKey(t *testing.T) {
	_, err := OpenWithLog(ConfigFrom(env("DATA_DIR", t.TempDir(), "JWT_SIGNING_KEYS", "k=c2hvcnQ")), os.Stderr)
	if err == nil || !strings.Contains(err.Error(), `JWT_SIGNING_KEYS: keyset: key "k": not a PKCS#8 private key`) {
		t.Fatalf("Open = %v, want a refusal of the key that names it", err)
	}
}

// BenchmarkOpen is the start-up work every cold start pays before the
// first request, on the embedded store and on DynamoDB (no network call).
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	key, err := keyset.Generate("k")
	if err != nil {
		b.Fatal(err)
	}
	signing, _ := keyset.FormatSigning([]keyset.SigningKey{key})
	secrets := []string{"JWT_SIGNING_KEYS", signing, "APP_SECRET", strings.Repeat("B", 44)}
	for _, tt := range []struct {
		name string
		env  []string
	}{
		{"bolt", append([]string{"DATA_DIR", dir}, secrets...)},
		{"dynamodb", append([]string{"STORE", "dynamodb", "AWS_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b"}, secrets...)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			cfg := ConfigFrom(env(tt.env...))
			for b.Loop() {
				a, err := OpenWithLog(cfg, new(strings.Builder))
				if err != nil {
					b.Fatal(err)
				}
				a.Close()
			}
		})
	}
}
