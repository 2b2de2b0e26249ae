package e2e

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestDecomposedPasswordLogsIn is issue 15's finding 9, over HTTP against
// the local server: a 60-syllable Hangul password in decomposed form (NFD,
// 540 bytes; log-in used to refuse over 512 bytes before normalising while
// sign-up counted characters after) registers, verifies and logs in, in
// either form, and re-authenticates a password change. A password over the
// limit, however spelled, gets the same answer on every path: sign-up,
// verify, log-in, reset, change (new and current) and account deletion.
func TestDecomposedPasswordLogsIn(t *testing.T) {
	base, dir := startAbuse(t)
	c := from("127.0.0.2")
	addr := "ann.hangul@example.com"
	syllables := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteRune(rune(0xAC00 + (i%19)*588 + (i*7%21)*28 + 1 + i%27))
		}
		return norm.NFD.String(b.String())
	}
	long := syllables(60)
	want(t, post(t, c, base+"/register", map[string]string{"email": addr, "password": long}), 202, "")
	code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
	want(t, post(t, c, base+"/verify", map[string]string{"email": addr, "code": code, "password": long}), 200, "")
	for _, form := range []string{long, norm.NFC.String(long)} {
		want(t, post(t, c, base+"/login", map[string]string{"email": addr, "password": form}), 200, "")
	}
	r := post(t, c, base+"/login", map[string]string{"email": addr, "password": long})
	want(t, r, 200, "")
	token := r.Body["accessToken"].(string)

	for _, over := range []string{syllables(129), strings.Repeat("\u1100", 700)} {
		answers := map[string]response{
			"register": post(t, c, base+"/register", map[string]string{"email": "bob.hangul@example.com", "password": over}),
			"verify":   post(t, c, base+"/verify", map[string]string{"email": addr, "code": "000000", "password": over}),
			"login":    post(t, from("127.0.0.3"), base+"/login", map[string]string{"email": addr, "password": over}),
			"reset":    post(t, c, base+"/password/reset", map[string]string{"email": addr, "code": "000000", "password": over}),
			"change (new)": callVia(t, c, "POST", base+"/password", token,
				map[string]string{"currentPassword": long, "newPassword": over}),
			"change (current)": callVia(t, c, "POST", base+"/password", token,
				map[string]string{"currentPassword": over, "newPassword": "another long secret"}),
			"delete": callVia(t, c, "DELETE", base+"/account", token, map[string]string{"password": over}),
		}
		first := answers["register"]
		if first.Status != 422 || first.code() != "validation_failed" || !strings.Contains(first.Raw, `"field":"password"`) {
			t.Fatalf("sign-up with %d bytes: %d %s", len(over), first.Status, first.Raw)
		}
		for path, r := range answers {
			if r.Status != first.Status || r.Raw != first.Raw {
				t.Errorf("%s with %d bytes: %d %s; sign-up: %d %s", path, len(over), r.Status, r.Raw, first.Status, first.Raw)
			}
		}
	}
	// Still the owner's: nothing above changed the password or the session.
	want(t, callVia(t, c, "POST", base+"/password", token, map[string]string{"currentPassword": long, "newPassword": syllables(61)}), 204, "")
	want(t, post(t, c, base+"/login", map[string]string{"email": addr, "password": norm.NFC.String(syllables(61))}), 200, "")
}
