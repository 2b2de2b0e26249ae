package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary methods, paths, bodies and tokens to every
// route: whatever comes in, the answer is never a 5xx, and every error has
// the one shape {"error":{"code","message"}}. `go test` runs the seeds;
// `go test -fuzz FuzzRequests ./pkg/api` explores further.
func FuzzRequests(f *testing.F) {
	for _, seed := range []struct{ method, path, body, auth string }{
		{"POST", "/register", `{"email":"a@b.co","password":"correct horse battery"}`, ""},
		{"POST", "/register", `{"email":"a@b.co","password":"correct horse battery","name":"\u0000"}`, ""},
		{"POST", "/login", `{"email":["x"],"password":{}}`, ""},
		{"POST", "/verify", `{"email":"a@b.co","code":"1234567"}`, ""},
		{"POST", "/verify", `{"email":"a@b.co","code":"123456","password":"correct horse battery"}`, ""},
		{"POST", "/verify", `{"email":"a@b.co","code":"123456","password":["x"]}`, ""},
		{"GET", "/verify?email=%ZZ&code=1", ``, ""},
		{"GET", "/todos?limit=1&cursor=..", ``, "Bearer x"},
		{"POST", "/todos", `{"title":"` + strings.Repeat("é", 600) + `"}`, "Bearer a.b.c"},
		{"PATCH", "/todos/01ARZ3NDEKTSV4RRFFQ69G5FAV", `{"done":"yes"}`, "Bearer "},
		{"DELETE", "/todos/../../etc/passwd", ``, ""},
		{"OPTIONS", "/todos", ``, ""},
		{"POST", "/register", `{"email":"a@b.co","password":"correct horse battery"}{"x":1}`, ""},
		{"POST", "/register", "\xff\xfe", ""},
		{"POST", "/login", `{"email":"a@b.co","EMAIL":"c@d.co","password":"correct horse battery"}`, ""},
		{"POST", "/register", `{"email":"ann@bücher.example","password":"correct horse battery"}`, ""},
		{"POST", "/password/forgot", `{"email":"a@-bücher\u3002example"}`, ""},
	} {
		f.Add(seed.method, seed.path, seed.body, seed.auth)
	}
	e := newEnv(f)
	token := e.signUp("fuzz@example.com")
	f.Fuzz(func(t *testing.T, method, path, body, authz string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") || len(method) == 0 ||
			strings.ContainsAny(method, " \r\n\t()<>@,;:\\\"/[]?={}") {
			return // not a request line net/http would accept
		}
		for _, a := range []string{authz, "Bearer " + token} {
			r := httptest.NewRequest("GET", "/", strings.NewReader(body))
			r.Method = method
			if u, err := r.URL.Parse(path); err == nil {
				r.URL = u
			} else {
				return
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", a)
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s %s %q -> %d %s", method, path, body, w.Code, w.Body)
			}
			if w.Code >= 400 && method != "HEAD" {
				var out struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Error.Code == "" || out.Error.Message == "" {
					t.Fatalf("%s %s -> %d with body %q, not the error shape", method, path, w.Code, w.Body)
				}
			}
		}
	})
}
