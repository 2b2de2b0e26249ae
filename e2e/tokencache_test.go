package e2e

import (
	"sync"
	"testing"
	"time"
)

// TestCachedTokenStopsAtLogout is the token cache's security rule over real
// HTTP against the local server: the verifier remembers a token it checked,
// but the session read still runs on every request. Clients from four
// addresses list with one access token (warm in the cache after the first
// request) while the owner logs that session out; every list sent after
// the log-out answered is 401, whatever the cache holds. Meanwhile a fifth
// address sends the same token with one byte changed, which never passes.
func TestCachedTokenStopsAtLogout(t *testing.T) {
	base, dir := startAbuse(t)
	const addr = "cached.token@example.com"
	verifiedAccount(t, base, dir, addr)
	owner := from("127.0.0.6")
	s := logIn(t, owner, base, addr)
	want(t, s, 200, "")
	tok := str(s, "accessToken")
	want(t, callVia(t, owner, "GET", base+"/todos", tok, nil), 200, "")
	tampered := tok[:len(tok)-2] + flipChar(tok[len(tok)-2]) + tok[len(tok)-1:]

	type sent struct {
		start  time.Time
		status int
	}
	var (
		mu      sync.Mutex
		lists   []sent
		wg      sync.WaitGroup
		ready   = make(chan struct{}, 4)
		stop    = make(chan struct{})
		forged  int
		badCode string
	)
	for _, ip := range racers { // 127.0.0.2 to 127.0.0.5
		c := from(ip)
		wg.Go(func() {
			for n := 0; n < 500; n++ {
				last := false
				select {
				case <-stop: // the log-out answered: one more list, then done
					last = true
				default:
				}
				start := time.Now()
				r := callVia(t, c, "GET", base+"/todos", tok, nil)
				mu.Lock()
				lists = append(lists, sent{start, r.Status})
				mu.Unlock()
				if n == 0 {
					ready <- struct{}{}
				}
				if last {
					return
				}
			}
		})
	}
	attacker := from("127.0.0.7")
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := callVia(t, attacker, "GET", base+"/todos", tampered, nil)
			mu.Lock()
			forged++
			if r.Status != 401 || r.code() != "unauthorized" {
				badCode = r.Raw
			}
			mu.Unlock()
		}
	})
	for range racers {
		<-ready
	}
	want(t, callVia(t, owner, "POST", base+"/logout", tok, map[string]string{"scope": "local"}), 204, "")
	loggedOut := time.Now()
	close(stop)
	wg.Wait()
	if badCode != "" {
		t.Fatalf("the tampered token got %s", badCode)
	}
	before, after := 0, 0
	for _, l := range lists {
		switch {
		case l.start.After(loggedOut) && l.status != 401:
			t.Fatalf("a list sent after the log-out answered got %d", l.status)
		case l.start.After(loggedOut):
			after++
		case l.status == 200:
			before++
		}
	}
	if after < len(racers) {
		t.Fatalf("%d lists after the log-out, want one per racer at least", after)
	}
	t.Logf("%d lists passed before the log-out, %d refused after it; %d tampered tries refused", before, after, forged)
}

// flipChar returns another base64url character than c.
func flipChar(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
