package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/todofn/todofn/internal/devstack"
	"github.com/todofn/todofn/internal/dynalitetest"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/tables"
)

// TestFastPathRaces races the todo writes that are one write each (one
// transaction on the embedded store, one TransactWriteItems on DynamoDB:
// pkg/todolist's atomic.go), over real HTTP against the local server, from
// several client addresses at once: adds racing for the last slots of the
// quota take exactly those, and racing retries of one keyed add store one
// todo and all answer it.
func TestFastPathRaces(t *testing.T) {
	for _, engine := range []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"embedded", func(*testing.T) []string { return nil }},
		{"dynamodb", func(t *testing.T) []string {
			env := []string{"STORE=dynamodb", "AWS_REGION=us-east-1", "DYNAMODB_ENDPOINT=" + dynalitetest.Endpoint(t),
				"USERS_TABLE=race_users", "TODOS_TABLE=race_todos", "KEYS_TABLE=race_keys", "SESSIONS_TABLE=race_sessions"}
			cfg := app.ConfigFrom(func(k string) string { return devstack.Lookup(env, k) })
			if err := tables.Create(context.Background(), cfg); err != nil {
				t.Fatalf("create tables: %v", err)
			}
			return env
		}},
	} {
		t.Run(engine.name, func(t *testing.T) {
			env := append(engine.env(t), "TODO_QUOTA=5", "USER_WRITE_LIMIT=1000/1h", "RATE_LIMITS=off")
			base, dir := startAbuse(t, env...)
			addr := "ann.race@example.com"
			verifiedAccount(t, base, dir, addr)
			r := post(t, from("127.0.0.2"), base+"/login", map[string]string{"email": addr, "password": ownerPassword})
			want(t, r, 200, "")
			tok := r.Body["accessToken"].(string)
			want(t, call(t, "POST", base+"/todos", tok, map[string]any{"title": "counted"}), 201, "")

			got := raceAdds(t, base, tok, 24, "")
			if got["201"] != 4 || got["409 quota_exceeded"] != 20 || len(got) != 2 {
				t.Fatalf("racing adds answered %v; want 4 × 201 and 20 × 409 quota_exceeded", got)
			}
			list := call(t, "GET", base+"/todos", tok, nil)
			want(t, list, 200, "")
			items := list.Body["items"].([]any)
			if len(items) != 5 {
				t.Fatalf("%d todos stored, want 5", len(items))
			}
			id := items[0].(map[string]any)["id"].(string)
			want(t, call(t, "DELETE", base+"/todos/"+id, tok, nil), 204, "")

			got = raceAdds(t, base, tok, 12, "race-1")
			if got["201"] != 12 || len(got) != 1 {
				t.Fatalf("racing retries of one keyed add answered %v; want 12 × 201", got)
			}
			list = call(t, "GET", base+"/todos", tok, nil)
			if n := len(list.Body["items"].([]any)); n != 5 {
				t.Fatalf("%d todos stored after the keyed race, want 5", n)
			}
		})
	}
}

// raceAdds makes n adds at once, each from a client address of its own
// among six, with the Idempotency-Key key if it is not empty (then one
// title for all), and counts the answers by status and error code. With a
// key, every 201 must answer one todo.
func raceAdds(t *testing.T, base, tok string, n int, key string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	got, ids := map[string]int{}, map[string]bool{}
	for i := range n {
		wg.Go(func() {
			title := fmt.Sprint("racer ", i)
			if key != "" {
				title = "one todo"
			}
			body, _ := json.Marshal(map[string]any{"title": title})
			req, _ := http.NewRequest("POST", base+"/todos", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			res, err := from(fmt.Sprintf("127.0.0.%d", 2+i%6)).Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				got["error: "+err.Error()]++
				return
			}
			defer res.Body.Close()
			var out struct {
				ID    string                `json:"id"`
				Error struct{ Code string } `json:"error"`
			}
			_ = json.NewDecoder(res.Body).Decode(&out)
			got[strings.TrimSpace(fmt.Sprint(res.StatusCode, " ", out.Error.Code))]++
			if res.StatusCode == 201 {
				ids[out.ID] = true
			}
		})
	}
	wg.Wait()
	if key != "" && len(ids) > 1 {
		t.Fatalf("one key answered %d todos", len(ids))
	}
	return got
}
