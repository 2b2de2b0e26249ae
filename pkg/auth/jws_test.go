package auth_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/todo"
)

// libraryVerdict is what golang-jwt v5, configured as this package was
// when it used the library (the parser options of NewVerifier until
// jws.go replaced them, and the same extra rules), answers for token:
// "ok", "expired" or "invalid".
func libraryVerdict(token string, k keyset.PublicKey, now time.Time) string {
	type libClaims struct {
		jwt.RegisteredClaims
		SessionID string `json:"sid,omitempty"`
	}
	var c libClaims
	p := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithIssuer("todofn"), jwt.WithAudience("todofn-api"), jwt.WithLeeway(auth.DefaultLeeway),
		jwt.WithTimeFunc(func() time.Time { return now }))
	_, err := p.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid != k.ID {
			return nil, errors.New("unknown kid")
		}
		return k.Public, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case err != nil, c.IssuedAt == nil, c.Subject == "", c.SessionID == "":
		return "invalid"
	case now.Sub(c.IssuedAt.Time) > auth.MaxTTL+auth.DefaultLeeway:
		return "expired"
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > auth.MaxTTL:
		return "invalid"
	}
	return "ok"
}

// verdict is the Verifier's answer in the same words.
func verdict(v *auth.Verifier, token string) string {
	_, err := v.Verify(token)
	switch {
	case err == nil:
		return "ok"
	case todo.ErrorCode(err) == todo.Unauthorized && strings.Contains(todo.ErrorMessage(err), "expired"):
		return "expired"
	case todo.ErrorCode(err) == todo.Unauthorized:
		return "invalid"
	}
	return "error: " + err.Error()
}

// rawToken signs header and payload (JSON text, as given) with ES256 by
// key, low S, so that the test controls every byte the libraries read.
func rawToken(t *testing.T, k keyset.SigningKey, header, payload string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{})
	signing := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := tok.Method.Sign(signing, k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return lowSToken(signing + "." + base64.RawURLEncoding.EncodeToString(sig))
}

// TestVerifierAgreesWithGolangJWT: the hand-written JWS code (jws.go)
// gives golang-jwt v5's verdict, with the same options, on tokens that
// differ in each thing either reads: the header's alg, kid and typ, the
// segments, every claim's presence, type and edge (exp and iat at the
// leeway's edge, fractional seconds, aud as a string or an array, nbf),
// and the claims this package adds.
func TestVerifierAgreesWithGolangJWT(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := &clock{now}
	k := genKey(t, "k1")
	v := newVerifier(t, c, k.Public())
	const head = `{"alg":"ES256","kid":"k1","typ":"JWT"}`
	base := `"iss":"todofn","aud":"todofn-api","sub":"u","sid":"s"`
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	times := `,"iat":` + at(0) + `,"exp":` + at(10*time.Minute)
	cases := []struct{ name, header, payload string }{
		{"valid", head, `{` + base + times + `}`},
		{"aud a string in an array of two", head, `{"iss":"todofn","aud":["x","todofn-api"],"sub":"u","sid":"s"` + times + `}`},
		{"aud an empty array", head, `{"iss":"todofn","aud":[],"sub":"u","sid":"s"` + times + `}`},
		{"aud [\"\"]", head, `{"iss":"todofn","aud":[""],"sub":"u","sid":"s"` + times + `}`},
		{"aud a number", head, `{"iss":"todofn","aud":7,"sub":"u","sid":"s"` + times + `}`},
		{"aud an array holding a number", head, `{"iss":"todofn","aud":["todofn-api",7],"sub":"u","sid":"s"` + times + `}`},
		{"aud null", head, `{"iss":"todofn","aud":null,"sub":"u","sid":"s"` + times + `}`},
		{"iss a number", head, `{"iss":7,"aud":"todofn-api","sub":"u","sid":"s"` + times + `}`},
		{"exp a string", head, `{` + base + `,"iat":` + at(0) + `,"exp":"` + at(time.Minute) + `"}`},
		{"exp fractional", head, `{` + base + `,"iat":` + at(0) + `,"exp":` + at(time.Minute) + `.75}`},
		{"exp in exponent form", head, `{` + base + `,"iat":` + at(0) + `,"exp":1.8000006e9}`},
		{"exp just inside the leeway", head, `{` + base + `,"iat":` + at(-10*time.Minute) + `,"exp":` + at(-auth.DefaultLeeway+time.Second) + `}`},
		{"exp at the leeway's edge", head, `{` + base + `,"iat":` + at(-10*time.Minute) + `,"exp":` + at(-auth.DefaultLeeway) + `}`},
		{"expired and wrong iss", head, `{"iss":"x","aud":"todofn-api","sub":"u","sid":"s","iat":` + at(-10*time.Minute) + `,"exp":` + at(-time.Hour) + `}`},
		{"iat at the leeway's edge", head, `{` + base + `,"iat":` + at(auth.DefaultLeeway) + `,"exp":` + at(10*time.Minute) + `}`},
		{"iat past the leeway", head, `{` + base + `,"iat":` + at(auth.DefaultLeeway+time.Second) + `,"exp":` + at(10*time.Minute) + `}`},
		{"nbf in the future", head, `{` + base + times + `,"nbf":` + at(time.Hour) + `}`},
		{"nbf within the leeway", head, `{` + base + times + `,"nbf":` + at(auth.DefaultLeeway) + `}`},
		{"nbf a string", head, `{` + base + times + `,"nbf":"soon"}`},
		{"claims not an object", head, `[1]`},
		{"claims null", head, `null`},
		{"sid a number", head, `{"iss":"todofn","aud":"todofn-api","sub":"u","sid":1` + times + `}`},
		{"unknown claims", head, `{` + base + times + `,"role":"admin","x":[1,{}]}`},
		{"upper-case claim names", head, `{"ISS":"todofn","AUD":"todofn-api","SUB":"u","SID":"s"` + times + `}`},
		{"repeated sub, last wins", head, `{` + base + times + `,"sub":""}`},
		{"header without typ", `{"alg":"ES256","kid":"k1"}`, `{` + base + times + `}`},
		{"header alg none", `{"alg":"none","kid":"k1"}`, `{` + base + times + `}`},
		{"header alg es256", `{"alg":"es256","kid":"k1"}`, `{` + base + times + `}`},
		{"header alg a number", `{"alg":256,"kid":"k1"}`, `{` + base + times + `}`},
		{"header ALG upper-case key", `{"ALG":"ES256","kid":"k1"}`, `{` + base + times + `}`},
		{"header kid a number", `{"alg":"ES256","kid":1}`, `{` + base + times + `}`},
		{"header unknown kid", `{"alg":"ES256","kid":"k2"}`, `{` + base + times + `}`},
		{"header with crit", `{"alg":"ES256","kid":"k1","crit":["exp"]}`, `{` + base + times + `}`},
		{"header not an object", `"ES256"`, `{` + base + times + `}`},
		{"header null", `null`, `{` + base + times + `}`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tok := rawToken(t, k, tt.header, tt.payload)
			if got, want := verdict(v, tok), libraryVerdict(tok, k.Public(), now); got != want {
				t.Fatalf("Verify: %s; golang-jwt: %s (%s)", got, want, tt.payload)
			}
		})
	}

	// The token's segments.
	good := rawToken(t, k, head, `{`+base+times+`}`)
	parts := strings.Split(good, ".")
	for name, tok := range map[string]string{
		"two segments":          parts[0] + "." + parts[1],
		"four segments":         good + ".x",
		"padded signature":      good + "==",
		"standard base64 chars": parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]),
		"empty signature":       parts[0] + "." + parts[1] + ".",
		"short signature":       parts[0] + "." + parts[1] + "." + parts[2][:40],
		"empty":                 "",
		"dots":                  "..",
	} {
		t.Run(name, func(t *testing.T) {
			if got, want := verdict(v, tok), libraryVerdict(tok, k.Public(), now); got != want {
				t.Fatalf("Verify: %s; golang-jwt: %s", got, want)
			}
		})
	}
	if got := verdict(v, good); got != "ok" {
		t.Fatalf("the valid token: %s", got)
	}
}

// TestGolangJWTAcceptsOurTokens: golang-jwt v5 verifies a token the
// Issuer signed, reads the same claims, and finds the header golang-jwt
// itself writes ({"alg":"ES256","kid":...,"typ":"JWT"}).
func TestGolangJWTAcceptsOurTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	k := genKey(t, "k1")
	tok, exp, err := newIssuer(t, &clock{now}, k).Issue("user-1", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := libraryVerdict(tok, k.Public(), now); got != "ok" {
		t.Fatalf("golang-jwt: %s", got)
	}
	var c jwt.RegisteredClaims
	parsed, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return k.Public().Public, nil },
		jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "user-1" || c.Issuer != "todofn" || len(c.Audience) != 1 || c.Audience[0] != "todofn-api" ||
		!c.IssuedAt.Equal(now) || !c.ExpiresAt.Equal(exp) || c.ID == "" {
		t.Fatalf("claims %+v", c)
	}
	head, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if string(head) != `{"alg":"ES256","kid":"k1","typ":"JWT"}` || len(parsed.Header) != 3 {
		t.Fatalf("header %s", head)
	}
}
