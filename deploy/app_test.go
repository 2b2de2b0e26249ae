package deploy

import (
	"io"
	"net/http"
	"testing"

	"github.com/todofn/todofn/pkg/app"
	"github.com/todofn/todofn/pkg/app/accounts"
	"github.com/todofn/todofn/pkg/app/apiserver"
	"github.com/todofn/todofn/pkg/app/todos"
)

// openApp opens the app on the embedded store in a temporary folder, as a
// function would with DATA_DIR set, and with the settings of extra (name,
// value, name, value ...).
func openApp(t *testing.T, extra ...string) *app.App {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"DATA_DIR": dir, "APP_URL": "https://app.example/", "LOG_FORMAT": "text"}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	a, err := app.OpenWithLog(app.ConfigFrom(func(k string) string { return env[k] }), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// handler is function fn's handler on a, built as its main builds it.
func handler(t *testing.T, a *app.App, fn string) http.Handler {
	t.Helper()
	srv, err := apiserver.New(a)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.New(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range srv.All(acc, todos.New(a)) {
		if f.Name == fn {
			return srv.Handler(f)
		}
	}
	t.Fatalf("no function %s", fn)
	return nil
}
