package api_test

import (
	"context"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionFunc is a SessionChecker from a function, to force an answer.
type sessionFunc func(ctx context.Context, userID, id string) (*todo.Session, error)

func (f sessionFunc) Session(ctx context.Context, userID, id string) (*todo.Session, error) {
	return f(ctx, userID, id)
}

// TestBearerRoutesNeedALiveSession: with Server.Sessions set, a valid
// access token whose session is gone (logged out, reset, account deleted)
// is 401 unauthorized on every bearer route, and a failing session read is
// that failure, never a pass.
func TestBearerRoutesNeedALiveSession(t *testing.T) {
	e := newEnv(t)
	e.srv.Sessions = e.store
	tok := e.signUp("ann@example.com")
	e.want(e.do("POST", "/todos", tok, map[string]string{"title": "milk"}), 201, "")
	e.want(e.do("GET", "/todos", tok, nil), 200, "")

	claims, err := e.srv.Tokens.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.DeleteSession(context.Background(), claims.UserID, claims.SessionID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/todos", ""},
		{"POST", "/todos", `{"title":"eggs"}`},
		{"PATCH", "/todos/01KB3R0J7PZ2W9QK8XH5M4N6TV", `{"done":true}`},
		{"DELETE", "/todos/01KB3R0J7PZ2W9QK8XH5M4N6TV", ""},
		{"POST", "/password", `{"currentPassword":"correct horse battery","newPassword":"another horse battery"}`},
		{"DELETE", "/account", `{"password":"correct horse battery"}`},
		{"POST", "/logout", `{}`},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.do(c.method, c.path, tok, body)
		if r.status != 401 || r.errCode() != todo.Unauthorized {
			t.Errorf("%s %s with an ended session: %d %s, want 401 unauthorized", c.method, c.path, r.status, r.raw)
		}
	}

	e.srv.Sessions = sessionFunc(func(context.Context, string, string) (*todo.Session, error) {
		return nil, todo.Errorf(todo.Unavailable, "The store is busy.")
	})
	e.want(e.do("GET", "/todos", tok, nil), 503, todo.Unavailable)
}
