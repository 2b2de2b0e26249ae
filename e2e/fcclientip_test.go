package e2e

import (
	"fmt"
	"sync"
	"testing"
)

// TestFCCustomRuntimeClientIPBudget runs the local server as FC's custom
// runtime runs it (FC_CUSTOM_LISTEN_PORT set). Its peers (127.0.0.2-5, standing
// for FC's front-end nodes) relay one client, 198.51.100.7, each request
// with a different made-up X-Forwarded-For prefix before the hop FC
// appends. Racing in parallel, that client still gets no more sign-ups
// than IP_SIGNUP_LIMIT allows; another client relayed by the same node
// keeps its own budget. Before the fix every request counted against the
// node's address: one budget for everyone.
func TestFCCustomRuntimeClientIPBudget(t *testing.T) {
	port := freePort(t)
	base := start(t, "local", port, "DATA_DIR="+t.TempDir(), "APP_URL=http://127.0.0.1:"+port+"/",
		"FC_CUSTOM_LISTEN_PORT="+port, "IP_SIGNUP_LIMIT=3/1m")
	nodes := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}
	const tries = 16
	var mu sync.Mutex
	status := map[int]int{}
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := callVia(t, from(nodes[i%len(nodes)]), "POST", base+"/register", "",
				map[string]string{"email": fmt.Sprintf("fc%d@example.com", i), "password": ownerPassword},
				"X-Forwarded-For", fmt.Sprintf("203.0.113.%d, 198.51.100.7", i+1))
			mu.Lock()
			status[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("one client through %d nodes, %d sign-ups in parallel: %v", len(nodes), tries, status)
	// At most 3 (a take that loses a race for the counter may be refused
	// too, so fewer is possible); before the fix each node's address had
	// a budget of its own and up to 12 got through.
	if status[202] < 1 || status[202] > 3 || status[202]+status[429] != tries {
		t.Fatalf("answers %v; want 1-3 accepted and the rest refused with 429 (one client, one budget)", status)
	}
	r := callVia(t, from("127.0.0.2"), "POST", base+"/register", "",
		map[string]string{"email": "other@example.com", "password": ownerPassword}, "X-Forwarded-For", "198.51.100.8")
	if r.Status != 202 {
		t.Fatalf("another client through the same node: %d %s; want 202", r.Status, r.Body)
	}
}
