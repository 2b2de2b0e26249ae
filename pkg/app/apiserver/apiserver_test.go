package apiserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/api"
	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
	"github.com/todofn/todofn/pkg/route"
)

func openApp(t *testing.T) *app.App {
	t.Helper()
	dir := t.TempDir()
	a, err := app.OpenWithLog(app.ConfigFrom(func(k string) string { return map[string]string{"DATA_DIR": dir}[k] }), new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func noEnv(string) string { return "" }

// TestHandlerMountsTheNamedFunction: Start's handler serves the function
// it is named for on its routes, and fails at start-up when the part builds
// another function's handlers (a main naming one route and wiring
// another).
func TestHandlerMountsTheNamedFunction(t *testing.T) {
	a := openApp(t)
	list := func(a *app.App, s *api.Server) (api.Handlers, error) { return s.ListTodos(todos.New(a)), nil }
	if _, err := apiserver.Handler(a, noEnv, route.TodosAdd, list); err == nil || !strings.Contains(err.Error(), `"todos-list"`) {
		t.Errorf("todos-add wired to todos-list: %v, want an error", err)
	}
	h, err := apiserver.Handler(a, noEnv, route.TodosList, list)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{{"GET", "/todos", http.StatusUnauthorized}, {"POST", "/login", http.StatusNotFound}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, w.Code, tt.want)
		}
	}
}
