package account_test

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

// decomposedHangul is n Hangul syllables with a final consonant, in NFD:
// three conjoining jamo of three bytes each, one character after NFKC.
func decomposedHangul(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0xAC00 + (i%19)*588 + (i*7%21)*28 + 1 + i%27))
	}
	return norm.NFD.String(b.String())
}

// TestDecomposedPasswordWorksEverywhere is issue 15's finding 9: a
// 60-syllable Hangul password in NFD (540 bytes, over the 512 bytes log-in
// used to read) registers, verifies and logs in, in either form; and a
// password over the limit gets the same answer on every path (sign-up,
// verify, log-in, reset, change, account deletion), before any try counts.
func TestDecomposedPasswordWorksEverywhere(t *testing.T) {
	f := newFixture(t)
	ctx := from("127.0.0.1")
	long := decomposedHangul(60)
	if len(long) <= 512 {
		t.Fatalf("the password is %d bytes; the finding needs over 512", len(long))
	}
	f.register(t, "ann@example.com", long, "")
	if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), long); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{long, norm.NFC.String(long)} {
		if _, err := f.svc.Login(ctx, "ann@example.com", form); err != nil {
			t.Fatalf("log-in with the password sign-up admitted (%d bytes): %v", len(form), err)
		}
	}
	sess, err := f.svc.Login(ctx, "ann@example.com", long)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.verifier.Verify(sess.AccessToken)
	if err != nil {
		t.Fatal(err)
	}

	want := todo.ErrorMessage(f.svc.Register(ctx, "bob@example.com", decomposedHangul(129), ""))
	for _, over := range []string{decomposedHangul(129), strings.Repeat("a", 129), strings.Repeat("\u1100", 700)} {
		raw := len(over) > account.MaxPasswordBytes // refused before the store is read
		before := f.count.snapshot()
		for path, err := range map[string]error{
			"register": f.svc.Register(ctx, "bob@example.com", over, ""),
			"verify":   f.svc.Verify(ctx, "ann@example.com", "000000", over),
			"login": func() error {
				_, err := f.svc.Login(from("127.0.0.9"), "ann@example.com", over)
				return err
			}(),
			"reset":            f.svc.ResetPassword(ctx, "ann@example.com", "000000", over),
			"change (new)":     f.svc.ChangePassword(ctx, c.UserID, c.SessionID, long, over),
			"change (current)": f.svc.ChangePassword(ctx, c.UserID, c.SessionID, over, "another long secret"),
			"delete":           f.svc.DeleteAccount(ctx, c.UserID, c.SessionID, over),
		} {
			if todo.ErrorCode(err) != todo.ValidationFailed || todo.ErrorMessage(err) != want {
				t.Errorf("%s with %d bytes: %v, want validation_failed %q", path, len(over), err, want)
			}
		}
		if after := f.count.snapshot(); raw && (after["User"] != before["User"] || after["Throttle"] != before["Throttle"] || after["read count"] != before["read count"]) {
			t.Errorf("a password over %d bytes reached the store: %v -> %v", len(over), before, after)
		}
	}
	if _, err := f.svc.Login(ctx, "ann@example.com", long); err != nil {
		t.Fatalf("the owner's password after the refusals: %v", err)
	}
}
