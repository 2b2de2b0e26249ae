package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/keyset"
)

// pointerHandler is comparable, so a test can see that Traffic returns it
// itself.
type pointerHandler struct{ n int }

func (p *pointerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.n++ }

// TestTrafficOffIsFree: with a sample of 0 (TRAFFIC_SAMPLE unset) Traffic
// returns the handler itself, so recording costs nothing but one check at
// start-up.
func TestTrafficOffIsFree(t *testing.T) {
	h := &pointerHandler{}
	for _, v := range []float64{0, -1} {
		if got := Traffic(h, v, []byte("s"), io.Discard); got != http.Handler(h) {
			t.Errorf("sample %v: the handler is wrapped", v)
		}
	}
	if got := Traffic(h, 0.5, []byte("s"), io.Discard); got == http.Handler(h) {
		t.Error("sample 0.5: the handler is not wrapped")
	}
}

// TestTrafficKeyIsDerivedFromTheSecret: the tap's key is
// keyset.Derive(APP_SECRET, keyLabel), so every function of a deployment
// pseudonymises alike, and two secrets disagree.
func TestTrafficKeyIsDerivedFromTheSecret(t *testing.T) {
	a, b := newTap(1, []byte("app secret"), io.Discard), newTap(1, []byte("app secret"), io.Discard)
	if !bytes.Equal(a.key, keyset.Derive([]byte("app secret"), keyLabel)) || a.pseudonym("ann@example.com") != b.pseudonym("ann@example.com") {
		t.Error("two taps with one secret disagree, or the key is not keyset.Derive's")
	}
	if c := newTap(1, []byte("other"), io.Discard); c.pseudonym("ann@example.com") == a.pseudonym("ann@example.com") {
		t.Error("two secrets give one pseudonym")
	}
}

func fakeJWT(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(`{"sub":"`+sub+`"}`)) + ".c2lnbmF0dXJl"
}

// fakeAPI answers like the real routes where it matters to the recorder:
// login names the user and hands out tokens, refresh a new token, GET
// /verify redirects with the address and code.
func fakeAPI(user, email string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/login":
			fmt.Fprintf(w, `{"accessToken":%q,"refreshToken":"refresh-secret-1","user":{"id":%q,"email":%q,"name":"Ann"}}`,
				fakeJWT(user), user, email)
		case "/refresh":
			fmt.Fprintf(w, `{"accessToken":%q,"refreshToken":"refresh-secret-2"}`, fakeJWT(user))
		case "/verify":
			if r.Method == http.MethodGet {
				w.Header().Set("Location", "http://app.example/#/verify?"+r.URL.RawQuery)
				w.WriteHeader(http.StatusFound)
				return
			}
			fmt.Fprint(w, `{"status":"verified"}`)
		default:
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"T1","title":"Buy milk","done":false}`)
		}
	})
}

// session plays one user's sign-up to todos through h.
func session(t *testing.T, h http.Handler, email, user string) {
	t.Helper()
	send := func(method, target, token, ct, body string) {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	js := "application/json"
	send("POST", "/register", "", js, `{"email":"`+email+`","password":"correct horse battery","name":"Ann"}`)
	send("GET", "/verify?email="+email+"&code=246810", "", "", "")
	send("POST", "/verify", "", "application/x-www-form-urlencoded", "email="+email+"&code=246810&password=correct+horse+battery")
	send("POST", "/verify", "", js, `{"email":"`+strings.ToUpper(email)+`","code":"246810","password":"correct horse battery"}`)
	send("POST", "/login", "", js, `{"email":"`+email+`","password":"correct horse battery"}`)
	send("POST", "/todos", fakeJWT(user), js, `{"title":"Buy milk"}`)
	send("POST", "/refresh", "", js, `{"refreshToken":"refresh-secret-1"}`)
	send("POST", "/password", fakeJWT(user), js, `{"currentPassword":"correct horse battery","newPassword":"another long secret"}`)
}

type line struct {
	Msg, Kind, Exchange, Session string
	Method, Path, Query          string
	Status                       int
	Header                       map[string]string
	Body                         json.RawMessage
	Form                         string
}

func lines(t *testing.T, out *bytes.Buffer) []line {
	t.Helper()
	var ls []line
	for _, s := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil || l.Msg != TrafficMsg {
			t.Fatalf("not a traffic line (%v): %s", err, s)
		}
		ls = append(ls, l)
	}
	return ls
}

// TestTrafficRedactsSecrets: a whole session is recorded under one session
// key, each request with its answer, and no password, address, code or
// token appears in the clear.
func TestTrafficRedactsSecrets(t *testing.T) {
	var out bytes.Buffer
	tp := newTap(1, []byte("app secret"), &out)
	session(t, tp.wrap(fakeAPI("U1", "ann@example.com")), "ann@example.com", "U1")
	log := out.String()
	for _, secret := range []string{"correct horse", "another long secret", "ann@example.com", "ANN@EXAMPLE.COM",
		"246810", "refresh-secret", fakeJWT("U1"), `"Ann"`} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
	ls := lines(t, &out)
	if len(ls) != 16 {
		t.Fatalf("%d lines, want 16 (8 requests, 8 answers)", len(ls))
	}
	pseudonym := tp.pseudonym("ann@example.com")
	for i, l := range ls {
		if l.Session != ls[0].Session {
			t.Errorf("line %d (%s %s) is in session %s, want %s", i, l.Method, l.Path, l.Session, ls[0].Session)
		}
		if want := map[bool]string{true: "request", false: "answer"}[i%2 == 0]; l.Kind != want || l.Exchange != ls[i/2*2].Exchange {
			t.Errorf("line %d: kind %s exchange %s", i, l.Kind, l.Exchange)
		}
	}
	var reg, login map[string]string
	_ = json.Unmarshal(ls[0].Body, &reg)
	_ = json.Unmarshal(ls[8].Body, &login)
	if reg["email"] != pseudonym || login["email"] != pseudonym || reg["password"] != login["password"] ||
		len(reg["password"]) != len("correct horse battery") || reg["name"] == "" {
		t.Errorf("register %v and login %v: want the pseudonym %s and one stand-in", reg, login, pseudonym)
	}
	code := tp.codeRef(ls[0].Session, "246810")
	if !strings.Contains(ls[2].Query, code) || !strings.Contains(ls[4].Form, code) ||
		!strings.Contains(ls[3].Header["Location"], code) || !strings.Contains(string(ls[6].Body), code) {
		t.Errorf("the code's reference %s is not in every verify: %+v %+v %+v", code, ls[2], ls[3], ls[4])
	}
	// The password verify asks for gets the sign-up's stand-in, as a form
	// field and in JSON.
	var verify map[string]string
	_ = json.Unmarshal(ls[6].Body, &verify)
	if form, _ := url.ParseQuery(ls[4].Form); form.Get("password") != reg["password"] || verify["password"] != reg["password"] {
		t.Errorf("verify's password: form %q, JSON %q, want the stand-in %q", ls[4].Form, verify["password"], reg["password"])
	}
	access := tp.tokenRef(fakeJWT("U1"))
	if !strings.Contains(string(ls[9].Body), access) || ls[10].Header["Authorization"] != "Bearer "+access {
		t.Errorf("the access token's reference %s: answer %s, request %v", access, ls[9].Body, ls[10].Header)
	}
	if !strings.Contains(string(ls[12].Body), tp.tokenRef("refresh-secret-1")) {
		t.Errorf("refresh: %s", ls[12].Body)
	}
}

// TestTrafficSamplesWholeSessions: at TRAFFIC_SAMPLE=0.5 about half the
// users are recorded, each with every request of the session or none.
func TestTrafficSamplesWholeSessions(t *testing.T) {
	var out bytes.Buffer
	tp := newTap(0.5, []byte("app secret"), &out)
	const users = 200
	for i := range users {
		email, user := fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("U%d", i)
		session(t, tp.wrap(fakeAPI(user, email)), email, user)
	}
	perSession := map[string]int{}
	for _, l := range lines(t, &out) {
		perSession[l.Session]++
	}
	if n := len(perSession); n < users*3/10 || n > users*7/10 {
		t.Errorf("%d of %d sessions recorded at 0.5", n, users)
	}
	for s, n := range perSession {
		if n != 16 {
			t.Errorf("session %s has %d lines, want 16", s, n)
		}
	}
}
