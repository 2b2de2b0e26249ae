package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestAppendJSONIsEncodingJSON: AppendString and AppendFloat write, byte
// for byte, what encoding/json writes, over strings that need every kind
// of escape and floats of every shape.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
		"\x00\x01\x1f\x7f", "Grüße, 日本, 🎉", "bad \xff\xfe utf-8", "cut \xe6\x97", "sep \u2028 \u2029 end", strings.Repeat("x", 300)} {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("prefix"), s); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got[6:], want)
		}
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 12.35, 0.01, 123456.78, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300,
		-2.5e-9, math.MaxFloat64, math.SmallestNonzeroFloat64, 1.0 / 3} {
		want, _ := json.Marshal(f)
		if got := AppendFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// FuzzAppendString holds AppendString to encoding/json for any string.
func FuzzAppendString(f *testing.F) {
	f.Add("<\u2028\xff\"\\>")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
