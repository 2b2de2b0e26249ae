package api

import (
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"testing"

	"github.com/todofn/todofn/pkg/wire"
)

// TestSharedHeaderValues: the header values every answer shares are never
// changed through one answer's Add or Set, so no other answer (one still
// being written, or the next) sees another's values; and their keys are
// canonical, as Set would write them.
func TestSharedHeaderValues(t *testing.T) {
	for _, k := range []string{wire.RequestIDHeader, "X-Content-Type-Options", "Cache-Control", "Content-Type", "Content-Length"} {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			t.Errorf("%q is not canonical", k)
		}
	}
	s := &Server{}
	h := s.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("v")
		w.Header().Add("Cache-Control", v)
		w.Header().Add("X-Content-Type-Options", v)
		if v == "set" {
			w.Header().Set("Cache-Control", v)
		}
	}))
	var answers []*httptest.ResponseRecorder
	for _, v := range []string{"a", "b", "set", "c"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/?v="+v, nil))
		answers = append(answers, w)
	}
	for i, v := range []string{"a", "b", "set", "c"} {
		want := []string{"no-store", v}
		if v == "set" {
			want = []string{"set"}
		}
		if got := answers[i].Header()["Cache-Control"]; !slices.Equal(got, want) {
			t.Errorf("answer %s: Cache-Control %q, want %q", v, got, want)
		}
		if got := answers[i].Header()["X-Content-Type-Options"]; !slices.Equal(got, []string{"nosniff", v}) {
			t.Errorf("answer %s: X-Content-Type-Options %q", v, got)
		}
		if answers[i].Header().Get(wire.RequestIDHeader) == "" {
			t.Errorf("answer %s: no request id", v)
		}
	}
	if !slices.Equal(nosniff, []string{"nosniff"}) || !slices.Equal(noStore, []string{"no-store"}) {
		t.Errorf("shared values changed: %q %q", nosniff, noStore)
	}
}
