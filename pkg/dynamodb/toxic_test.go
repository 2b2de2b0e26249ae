package dynamodb_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/toxiproxytest"
	"github.com/todofn/todofn/pkg/dynamodb"
)

// TestLostAnswerToxiproxy loses a write's answer with Toxiproxy between the
// engine and dynalite: a "timeout" toxic (timeout 0) on the downstream
// direction drops every byte dynalite answers while the request still
// reaches it. Once the write shows in dynalite (read directly, not through
// the proxy) the toxic is removed, which closes the stalled connection
// (TimeoutToxic.Cleanup in toxiproxy v2.5.0 toxics/timeout.go closes the
// stub); the SDK sees the connection break and resends the write on a new
// one, whose condition meets the first attempt's item. The engine must
// report what happened. The calls here are single writes; DeleteTodo and
// Claim, which read before or after writing through the same stalled
// proxy, are covered by the suite's LostAnswers on lossyProxy.
func TestLostAnswerToxiproxy(t *testing.T) {
	tp := toxiproxytest.Start(t)
	cfg := NewConfig(t)
	direct, ctx := MustOpen(t, cfg), context.Background()
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tp.Proxy(t, "dynalite", u.Host)
	pcfg := cfg
	pcfg.Endpoint = fmt.Sprintf("http://%s:%d", proxy.Host, proxy.Port)
	pcfg.CallTimeout, pcfg.AttemptTimeout = 8*time.Second, 4*time.Second
	s, err := dynamodb.Open(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)

	// lose runs op with the toxic in place, removes it once landed reports
	// the write is in dynalite, and returns op's error.
	lose := func(t *testing.T, op func() error, landed func() bool) error {
		t.Helper()
		proxy.AddToxic(t, toxiproxytest.Toxic{Name: "lose", Type: "timeout", Stream: "downstream", Attributes: map[string]any{"timeout": 0}})
		done := make(chan error, 1)
		go func() { done <- op() }()
		deadline := time.Now().Add(3 * time.Second) // within the attempt timeout
		for !landed() {
			if time.Now().After(deadline) {
				proxy.RemoveToxic(t, "lose")
				t.Fatalf("the write did not reach dynalite: %v", <-done)
			}
			time.Sleep(5 * time.Millisecond) // polling dynalite, which has no clock to inject
		}
		proxy.RemoveToxic(t, "lose")
		return <-done
	}

	t.Run("CreateUser", func(t *testing.T) {
		usr := storetest.NewUser("toxic@example.com")
		err := lose(t, func() error { return s.CreateUser(ctx, usr) }, func() bool {
			_, err := direct.User(ctx, usr.Email)
			return err == nil
		})
		if err != nil || usr.Version != 1 {
			t.Fatalf("CreateUser = %v, version %d; want nil, 1: the account is stored", err, usr.Version)
		}
	})
	t.Run("UpdateUser", func(t *testing.T) {
		usr := storetest.NewUser("toxic2@example.com")
		if err := direct.CreateUser(ctx, usr); err != nil {
			t.Fatal(err)
		}
		usr.Name = "Toxic"
		err := lose(t, func() error { return s.UpdateUser(ctx, usr) }, func() bool {
			got, err := direct.User(ctx, usr.Email)
			return err == nil && got.Version == 2
		})
		if err != nil || usr.Version != 2 {
			t.Fatalf("UpdateUser = %v, version %d; want nil, 2: version 2 is stored", err, usr.Version)
		}
	})
	t.Run("AddCount", func(t *testing.T) {
		var n int64
		var ok bool
		err := lose(t, func() (err error) {
			n, ok, err = s.AddCount(ctx, "ip:toxic", 1, 0, 5, future)
			return err
		}, func() bool {
			v, _, err := direct.AddCount(ctx, "ip:toxic", 0, 0, 5, future)
			return err == nil && v == 1
		})
		if err != nil || n != 1 || !ok {
			t.Fatalf("AddCount = %d, %v, %v; want 1, true", n, ok, err)
		}
		if v, _, err := direct.AddCount(ctx, "ip:toxic", 0, 0, 5, future); err != nil || v != 1 {
			t.Fatalf("count = %d, %v; want 1 (counted once)", v, err)
		}
	})
}
