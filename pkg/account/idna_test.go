package account_test

import (
	"context"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// TestEmailDomainsIDNA: an address with an internationalised domain is
// stored under its A-labels, so ann@bücher.example and
// ann@xn--bcher-kva.example are one account; domains that are not valid
// IDNA, IP literals and invisible characters are refused on the email
// field. The A-labels were computed with golang.org/x/net/idna's lookup
// profile and cross-checked against RFC 3492's samples. (Moved from
// package api, whose JSON decoding did this conversion before.)
func TestEmailDomainsIDNA(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct{ in, stored string }{
		{"ann@bücher.example", "ann@xn--bcher-kva.example"},
		{"bob@BÜCHER.example", "bob@xn--bcher-kva.example"},
		{"x@münchen.de", "x@xn--mnchen-3ya.de"},
		{"x@faß.de", "x@xn--fa-hia.de"},
		{"x@例え.テスト", "x@xn--r8jz45g.xn--zckzah"},
		{"x@他们为什么不说中文.example", "x@xn--ihqwcrb4cv8a8dqg056pqjye.example"},
		{"x@למההםפשוטלאמדבריםעברית.example", "x@xn--4dbcagdahymbxekheh6e0a7fei0b.example"},
		{"x@почемужеонинеговорятпорусски.example", "x@xn--b1abfaaepdrnnbgefbadotcwatmq2g4l.example"},
		{"x@παράδειγμα.δοκιμή", "x@xn--hxajbheg2az3al.xn--jxalpdlp"},
		{"y@bu\u0308cher.example", "y@xn--bcher-kva.example"}, // NFD: UTS 46 maps to NFC
		{" z@bücher.example ", "z@xn--bcher-kva.example"},     // spaces around, as NormalizeEmail trims
	} {
		if err := f.svc.Register(ctx, tc.in, pw, ""); err != nil {
			t.Errorf("register %q: %v", tc.in, err)
			continue
		}
		if _, err := f.store.User(ctx, tc.stored); err != nil {
			t.Errorf("register %q: no user %q: %v", tc.in, tc.stored, err)
		}
	}
	// The same mailbox in either spelling is one account: a second sign-up
	// does not make another user.
	first := f.user(t, "ann@xn--bcher-kva.example")
	if err := f.svc.Register(ctx, "ann@xn--bcher-kva.example", pw, ""); err != nil {
		t.Fatal(err)
	}
	if again := f.user(t, "ann@xn--bcher-kva.example"); again.ID != first.ID {
		t.Errorf("a sign-up in the A-label spelling made another user: %s, then %s", first.ID, again.ID)
	}
	if _, err := f.store.User(ctx, "ann@bücher.example"); todo.ErrorCode(err) != todo.NotFound {
		t.Errorf("a user stored under the Unicode spelling: %v", err)
	}
	for _, bad := range []string{
		"a@[192.0.2.1]", "a@192.0.2.1", "a@exa\u200bmple.com", "a@exam\u00adple.com", "a@b\u200dücher.example",
		"a\u200b@example.com", "\u202eann@example.com", "a@xn--a.example", "a@xn--zz.example", "a@aב.example",
		"a@☃.example", "a@bücher\u3002example", "a@-bücher.example",
	} {
		var e *todo.Error
		if err := f.svc.Register(ctx, bad, pw, ""); !asError(err, &e) || e.Code != todo.ValidationFailed || e.Field != "email" {
			t.Errorf("register %q: %v; want validation_failed on the email field", bad, err)
		}
	}
}

// TestEveryFlowNormalisesIDNA: each flow that takes an address (Register,
// Verify, Login, ForgotPassword, ResetPassword) finds the account of the
// A-label spelling from the Unicode one.
func TestEveryFlowNormalisesIDNA(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const uni, ascii = "Ann@Bücher.Example", "ann@xn--bcher-kva.example"
	f.register(t, uni, pw, "")
	if err := f.svc.Verify(ctx, uni, f.code(t, ascii), pw); err != nil {
		t.Fatalf("Verify in the Unicode spelling: %v", err)
	}
	if _, err := f.svc.Login(from("127.0.0.2"), uni, pw); err != nil {
		t.Fatalf("Login in the Unicode spelling: %v", err)
	}
	if err := f.svc.ForgotPassword(ctx, uni); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ResetPassword(ctx, uni, f.resetCode(t, ascii), "a brand new password"); err != nil {
		t.Fatalf("ResetPassword in the Unicode spelling: %v", err)
	}
	if _, err := f.svc.Login(from("127.0.0.2"), ascii, "a brand new password"); err != nil {
		t.Fatalf("Login in the A-label spelling after the reset: %v", err)
	}
	_, err := f.svc.Login(from("127.0.0.2"), "ann@b\u200dücher.example", "a brand new password")
	wantCode(t, err, todo.ValidationFailed)
}
