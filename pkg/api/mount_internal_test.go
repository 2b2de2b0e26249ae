package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/route"
)

func okHandler(w http.ResponseWriter, _ *http.Request) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TestMountRefusesUnknownNames: a function or a per-IP budget that names
// no HTTP function of the route table fails Mount at start-up, instead of
// serving only 404s; a function without a handler for its routes too.
func TestMountRefusesUnknownNames(t *testing.T) {
	post := map[string]handlerFunc{http.MethodPost: okHandler}
	for _, tt := range []struct {
		name string
		srv  *Server
		fn   Handlers
		want string
	}{
		{"mistyped function", &Server{}, Handlers{Name: "registr", handlers: post}, `"registr"`},
		{"event function", &Server{}, Handlers{Name: route.Mailer, handlers: post}, `"mailer"`},
		{"no handler for the routes", &Server{}, Handlers{Name: route.Register, handlers: map[string]handlerFunc{http.MethodGet: okHandler}}, "no handler"},
		{"mistyped budget", &Server{PerIP: map[string]limit.Budget{"verfy": {}}}, Handlers{Name: route.Register, handlers: post}, `"verfy"`},
	} {
		if _, err := tt.srv.Mount(tt.fn); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Mount = %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
	h, err := (&Server{PerIP: map[string]limit.Budget{route.Register: {}}}).Mount(Handlers{Name: route.Register, handlers: post})
	if err != nil {
		t.Fatalf("Mount of a known function: %v", err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/register", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("POST /register = %d, want the handler's 204", w.Code)
	}
}
