package auth_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if method == jwt.SigningMethodES256 {
		s = lowSToken(s) // so that a test of another check never trips the low-S one
	}
	return s
}
