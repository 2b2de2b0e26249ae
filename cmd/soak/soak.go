package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one soak run against one server.
type Config struct {
	Base     string        // the API's base URL, such as http://127.0.0.1:8080
	Mailbox  Mailbox       // where the verification codes arrive
	Clients  int           // clients at once, each with an account of its own
	Duration time.Duration // how long the clients loop, sign-up included
	Seed     uint64        // seeds every client's choices
	Timeout  time.Duration // for each request
	// Setup bounds one client's sign-up (register, the mail, verify, log
	// in) and, separately, its final read-back.
	Setup time.Duration
}

// Run signs Clients clients up, one unique address each, and has each loop
// on random operations until Duration has passed since the start: add
// (some sent twice with one Idempotency-Key, one after the other or both
// at once; some reusing a key with another title), list one to three pages
// (the first compared with the model), update, delete (some twice), log in
// again. Clients start spread over the first fifth of Duration (at most 5
// s), so sign-ups and log-ins run among the others' writes. Each client
// keeps a model of its list; at the end it reads its list back page by
// page and compares it with the model.
//
// Every request has Timeout; 429 and 503 with Retry-After are backed off
// and retried; a transport error or another 5xx is counted and the
// request retried, so the model stays exact. Run returns when every client
// has finished, at most about Duration + 2×Setup after it started.
func Run(ctx context.Context, cfg Config) Report {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Setup <= 0 {
		cfg.Setup = time.Minute
	}
	t := newTally()
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 4*cfg.Clients + 8, MaxIdleConnsPerHost: 4*cfg.Clients + 8, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer hc.CloseIdleConnections()
	run := fmt.Sprintf("%d%04d", time.Now().Unix()%1e6, rand.IntN(1e4)) // tells this run's addresses from another's
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	spread := min(cfg.Duration/5, 5*time.Second)
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		c := &client{
			cfg: cfg, hc: hc, t: t, n: i, run: run,
			rng:      rand.New(rand.NewPCG(cfg.Seed, uint64(i))),
			email:    fmt.Sprintf("soak-%s-%d@example.com", run, i),
			password: fmt.Sprintf("soak %s passphrase %d", run, i),
			m:        newModel(),
		}
		wait := time.Duration(0)
		if cfg.Clients > 1 {
			wait = spread * time.Duration(i) / time.Duration(cfg.Clients)
		}
		wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			c.soak(ctx, deadline)
		})
	}
	wg.Wait()
	r := t.report()
	r.Clients, r.Elapsed = cfg.Clients, time.Since(start)
	return r
}

// client is one simulated user. Its methods run on one goroutine, but for
// the two halves of a concurrent idempotent retry.
type client struct {
	cfg      Config
	hc       *http.Client
	t        *tally
	n        int
	run      string
	rng      *rand.Rand
	email    string
	password string
	m        *model

	mu      sync.Mutex // guards token: the two halves of a racing add may both log in again
	token   string
	tokenAt time.Time // when the token was issued
	seq     int       // numbers the client's titles and keys
}

func (c *client) who() string { return "client " + strconv.Itoa(c.n) }

// soak signs up, loops until deadline, then reads the list back.
func (c *client) soak(ctx context.Context, deadline time.Time) {
	setup, cancel := context.WithTimeout(ctx, c.cfg.Setup)
	err := c.signUp(setup)
	cancel()
	if err != nil {
		c.t.fault("%s: sign-up: %v", c.who(), err)
		return
	}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c.step(ctx)
	}
	check, cancel := context.WithTimeout(ctx, c.cfg.Setup)
	defer cancel()
	c.readBack(check)
}

// step runs one operation, chosen at random.
func (c *client) step(ctx context.Context) {
	p := c.rng.IntN(1000)
	if c.m.len() == 0 && p >= 350 && p < 995 {
		p = 0 // nothing to list, change or delete yet: add
	}
	switch {
	case p < 250:
		c.add(ctx, addOnce)
	case p < 300:
		c.add(ctx, addRetried)
	case p < 330:
		c.add(ctx, addRacing)
	case p < 350:
		c.add(ctx, addReused)
	case p < 550:
		c.list(ctx)
	case p < 780:
		c.update(ctx)
	case p < 995:
		c.delete(ctx)
	default:
		if err := c.login(ctx); err != nil {
			c.t.fault("%s: log in again: %v", c.who(), err)
		}
	}
}

// reply is an answered request.
type reply struct {
	status int
	header http.Header
	body   []byte
	// retried says an earlier attempt of this request went unanswered
	// (or got a 5xx), so it may have taken effect.
	retried bool
}

// maxThrottled bounds the throttled tries of one request, maxFailed the
// tries that got a transport error or a 5xx.
const (
	maxThrottled = 40
	maxFailed    = 3
)

// call sends one API request, retrying as Run describes. op names it for
// the latency table; hdr is header name, value pairs. The error is a
// request that got no answer in the end, already counted.
func (c *client) call(ctx context.Context, op, method, path string, body any, auth bool, hdr ...string) (reply, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return reply{}, err
		}
	}
	var retried bool
	throttled, failed := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			c.t.fault("%s: %s %s: given up: %v", c.who(), method, path, err)
			return reply{retried: retried}, err
		}
		rep, d, err := c.send(ctx, method, path, payload, auth, hdr)
		c.t.request(op, d)
		rep.retried = retried
		switch {
		case err != nil:
			failed++
			c.t.fault("%s: %s %s: %v", c.who(), method, path, err)
		case rep.status == http.StatusTooManyRequests || (rep.status == http.StatusServiceUnavailable && rep.header.Get("Retry-After") != ""):
			c.t.throttled()
			throttled++
			if throttled >= maxThrottled {
				c.t.fault("%s: %s %s: still %d after %d tries", c.who(), method, path, rep.status, throttled)
				return reply{retried: retried}, fmt.Errorf("throttled %d times", throttled)
			}
			c.pause(ctx, backoff(rep.header.Get("Retry-After"), throttled))
			continue
		case rep.status >= 500:
			failed++
			c.t.serverError("%s: %s %s: %d %s", c.who(), method, path, rep.status, snippet(rep.body))
		case rep.status == http.StatusUnauthorized && auth && c.tokenAge() > tokenLife:
			// The access token expired (they last 10 minutes): log in
			// again and resend. A younger token refused is a fault.
			if err := c.login(ctx); err != nil {
				return reply{}, err
			}
			continue
		default:
			return rep, nil
		}
		retried = true
		if failed >= maxFailed {
			return reply{retried: true}, fmt.Errorf("%s %s: no answer in %d tries", method, path, failed)
		}
		c.pause(ctx, 100*time.Millisecond)
	}
}

func (c *client) send(ctx context.Context, method, path string, payload []byte, auth bool, hdr []string) (reply, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Base+path, body)
	if err != nil {
		return reply{}, 0, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		c.mu.Lock()
		req.Header.Set("Authorization", "Bearer "+c.token)
		c.mu.Unlock()
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	began := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, time.Since(began), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	d := time.Since(began)
	if err != nil {
		return reply{}, d, fmt.Errorf("read the answer: %w", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, d, nil
}

// backoff is the wait before retrying a throttled request: Retry-After
// (at most 2 s) or a growing 50 ms step, with jitter.
func backoff(retryAfter string, try int) time.Duration {
	d := time.Duration(min(try, 10)) * 50 * time.Millisecond
	if s, err := strconv.Atoi(retryAfter); err == nil && s > 0 {
		d = min(time.Duration(s)*time.Second, 2*time.Second)
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) // the global source: call runs on two goroutines at once
}

func (c *client) pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// expect counts an answer with another status than want (5xx were
// counted already) and reports whether it had want.
func (c *client) expect(rep reply, method, path string, want ...int) bool {
	for _, w := range want {
		if rep.status == w {
			return true
		}
	}
	if rep.status < 500 {
		c.t.fault("%s: %s %s: %d %s, want %v", c.who(), method, path, rep.status, snippet(rep.body), want)
	}
	return false
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// signUp registers the client's address, verifies it with the mailed
// code and logs in.
func (c *client) signUp(ctx context.Context) error {
	rep, err := c.call(ctx, "register", http.MethodPost, "/register", map[string]string{"email": c.email, "password": c.password, "name": c.who()}, false)
	if err != nil {
		return err
	}
	if !c.expect(rep, "POST", "/register", http.StatusAccepted) {
		return errors.New("not registered")
	}
	code, err := c.cfg.Mailbox.Code(ctx, c.email)
	if err != nil {
		return err
	}
	rep, err = c.call(ctx, "verify", http.MethodPost, "/verify", map[string]string{"email": c.email, "code": code}, false)
	if err != nil {
		return err
	}
	// A retried verify may find the address verified by the first try.
	if !(rep.retried && rep.status == http.StatusBadRequest) && !c.expect(rep, "POST", "/verify", http.StatusOK) {
		return errors.New("not verified")
	}
	return c.login(ctx)
}

func (c *client) login(ctx context.Context) error {
	rep, err := c.call(ctx, "login", http.MethodPost, "/login", map[string]string{"email": c.email, "password": c.password}, false)
	if err != nil {
		return err
	}
	if !c.expect(rep, "POST", "/login", http.StatusOK) {
		return errors.New("not logged in")
	}
	var out struct{ AccessToken, RefreshToken string }
	if err := json.Unmarshal(rep.body, &out); err != nil || out.AccessToken == "" || out.RefreshToken == "" {
		c.t.fault("%s: POST /login: no tokens in %s", c.who(), snippet(rep.body))
		return errors.New("no access token")
	}
	c.mu.Lock()
	c.token, c.tokenAt = out.AccessToken, time.Now()
	c.mu.Unlock()
	return nil
}

// tokenLife is how long the soak counts on an access token: the
// server's default JWT_TTL is 10 minutes.
const tokenLife = 9 * time.Minute

func (c *client) tokenAge() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Since(c.tokenAt)
}

// todoBody is a todo as the API answers it.
type todoBody struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// How add sends its POST.
const (
	addOnce    = iota // once, with a key
	addRetried        // twice with one key, one after the other
	addRacing         // twice with one key, both at once
	addReused         // once, then the key again with another title: refused
)

var modeNames = []string{"add", "add-retried", "add-racing", "add-reused"}

func (c *client) title(kind string) string {
	c.seq++
	words := []string{"milk", "post", "call", "fix", "read", "mow", "pay", "book", "café", "日本語", "soak"}
	return fmt.Sprintf("%s c%d #%d %s %s", kind, c.n, c.seq, words[c.rng.IntN(len(words))], c.run)
}

// add posts a new todo with an Idempotency-Key, as mode says, and adds
// what the server created to the model.
func (c *client) add(ctx context.Context, mode int) {
	in := item{Title: c.title("add"), Done: c.rng.IntN(5) == 0}
	key := fmt.Sprintf("soak-%s-%d-%d", c.run, c.n, c.seq)
	body := map[string]any{"title": in.Title, "done": in.Done}
	op := modeNames[mode]
	post := func() (reply, todoBody, bool) {
		rep, err := c.call(ctx, op, http.MethodPost, "/todos", body, true, "Idempotency-Key", key)
		if err != nil || !c.expect(rep, "POST", "/todos", http.StatusCreated) {
			return rep, todoBody{}, false
		}
		var got todoBody
		if err := json.Unmarshal(rep.body, &got); err != nil || got.ID == "" {
			c.t.fault("%s: POST /todos: not a todo: %s", c.who(), snippet(rep.body))
			return rep, todoBody{}, false
		}
		if (item{Title: got.Title, Done: got.Done}) != in {
			c.t.fault("%s: POST /todos: created %q done=%v, sent %q done=%v", c.who(), got.Title, got.Done, in.Title, in.Done)
		}
		if loc := rep.header.Get("Location"); loc != "/todos/"+got.ID {
			c.t.fault("%s: POST /todos: Location %q for %s", c.who(), loc, got.ID)
		}
		return rep, got, true
	}
	replayed := func(rep reply) bool { return rep.header.Get("Idempotent-Replayed") == "true" }

	var first, second reply
	var a, b todoBody
	var okA, okB bool
	switch mode {
	case addRacing:
		var wg sync.WaitGroup
		wg.Go(func() { first, a, okA = post() })
		wg.Go(func() { second, b, okB = post() })
		wg.Wait()
	default:
		first, a, okA = post()
		if mode == addRetried && okA {
			second, b, okB = post()
		}
	}
	switch {
	case okA:
		c.m.add(a.ID, in)
	case okB:
		c.m.add(b.ID, in)
	default:
		if !first.retried && !second.retried {
			return // refused (counted): nothing was created
		}
		// An attempt went unanswered: the todo may exist. Ask once more
		// with the key, which answers the one it created.
		if _, got, ok := post(); ok {
			c.m.add(got.ID, in)
		} else {
			c.m.unsure[in.Title] = true
		}
		return
	}
	if mode == addRetried || mode == addRacing {
		if okA && okB && a.ID != b.ID {
			// The second stays out of the model: the read-back counts it
			// as duplicated.
			c.t.fault("%s: one Idempotency-Key, two todos: %s and %s", c.who(), a.ID, b.ID)
		}
		// One after the other, the retry is a replay; at once, either
		// may have stored the todo, so only the id is promised.
		if mode == addRetried && okB && !second.retried && !replayed(second) {
			c.t.fault("%s: POST /todos again with one Idempotency-Key: no Idempotent-Replayed: true", c.who())
		}
	}
	if mode != addRacing && okA && replayed(first) && !first.retried {
		c.t.fault("%s: POST /todos with a new key answered Idempotent-Replayed", c.who())
	}
	if mode == addReused && okA {
		other := map[string]any{"title": in.Title + " (other)", "done": in.Done}
		rep, err := c.call(ctx, op, http.MethodPost, "/todos", other, true, "Idempotency-Key", key)
		if err == nil && c.expect(rep, "POST", "/todos (key reused)", http.StatusUnprocessableEntity) && !strings.Contains(string(rep.body), "idempotency_key_reused") {
			c.t.fault("%s: POST /todos with a reused key: %s, want idempotency_key_reused", c.who(), snippet(rep.body))
		}
	}
}

// list reads one to three pages of a random size; the first must be the
// model's newest todos exactly.
func (c *client) list(ctx context.Context) {
	limit := 1 + c.rng.IntN(100)
	pages := 1 + c.rng.IntN(3)
	cursor := ""
	var prev string // the last id seen: ids fall from page to page
	for p := range pages {
		page, next, ok := c.page(ctx, "list", limit, cursor)
		if !ok {
			return
		}
		for _, t := range page {
			if prev != "" && t.ID >= prev {
				c.t.fault("%s: GET /todos: %s listed after %s, not newest first", c.who(), t.ID, prev)
			}
			prev = t.ID
		}
		if p == 0 && len(c.m.unsure) == 0 {
			c.comparePage(page, limit)
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// comparePage checks a first page against the model.
func (c *client) comparePage(page []listed, limit int) {
	want := c.m.newest(limit)
	if len(page) != len(want) {
		c.t.fault("%s: GET /todos?limit=%d: %d todos, the model has %d of them", c.who(), limit, len(page), len(want))
		return
	}
	for i, t := range page {
		if t.ID != want[i] {
			c.t.fault("%s: GET /todos?limit=%d: #%d is %s, want %s", c.who(), limit, i, t.ID, want[i])
			return
		}
		if m := c.m.items[t.ID]; m != (item{Title: t.Title, Done: t.Done}) {
			c.t.fault("%s: GET /todos: %s is %q done=%v, want %q done=%v", c.who(), t.ID, t.Title, t.Done, m.Title, m.Done)
			return
		}
	}
}

// page reads one page; next is "" on the last.
func (c *client) page(ctx context.Context, op string, limit int, cursor string) (items []listed, next string, ok bool) {
	path := "/todos?limit=" + strconv.Itoa(limit)
	if cursor != "" {
		path += "&cursor=" + cursor
	}
	rep, err := c.call(ctx, op, http.MethodGet, path, nil, true)
	if err != nil || !c.expect(rep, "GET", "/todos", http.StatusOK) {
		return nil, "", false
	}
	var out struct {
		Items      []listed `json:"items"`
		NextCursor *string  `json:"nextCursor"`
	}
	if err := json.Unmarshal(rep.body, &out); err != nil || out.Items == nil {
		c.t.fault("%s: GET /todos: not a page: %s", c.who(), snippet(rep.body))
		return nil, "", false
	}
	if len(out.Items) > limit {
		c.t.fault("%s: GET /todos?limit=%d: %d items", c.who(), limit, len(out.Items))
	}
	if out.NextCursor != nil {
		if *out.NextCursor == "" {
			c.t.fault("%s: GET /todos: an empty nextCursor", c.who())
			return out.Items, "", true
		}
		next = *out.NextCursor
	}
	return out.Items, next, true
}

// update changes the title, done or both of a random todo.
func (c *client) update(ctx context.Context) {
	id := c.m.pick(c.rng)
	want := c.m.items[id]
	body := map[string]any{}
	switch c.rng.IntN(3) {
	case 0:
		want.Title = c.title("edit")
		body["title"] = want.Title
	case 1:
		want.Done = !want.Done
		body["done"] = want.Done
	default:
		want.Title, want.Done = c.title("edit"), !want.Done
		body["title"], body["done"] = want.Title, want.Done
	}
	rep, err := c.call(ctx, "update", http.MethodPatch, "/todos/"+id, body, true)
	if err != nil || !c.expect(rep, "PATCH", "/todos/{id}", http.StatusOK) {
		// A failed update may have been applied or not: take the
		// server's word for it at the read-back.
		if err != nil || rep.status >= 500 {
			c.m.forget(id)
		}
		return
	}
	var got todoBody
	if err := json.Unmarshal(rep.body, &got); err != nil || got.ID != id || (item{Title: got.Title, Done: got.Done}) != want {
		c.t.fault("%s: PATCH /todos/%s: answered %s, want %q done=%v", c.who(), id, snippet(rep.body), want.Title, want.Done)
	}
	c.m.set(id, want)
}

// delete removes a random todo, and now and then deletes it again, which
// must find nothing.
func (c *client) delete(ctx context.Context) {
	id := c.m.pick(c.rng)
	rep, err := c.call(ctx, "delete", http.MethodDelete, "/todos/"+id, nil, true)
	if err != nil {
		c.m.forget(id)
		return
	}
	ok := rep.status == http.StatusNoContent || (rep.retried && rep.status == http.StatusNotFound)
	if !ok {
		c.expect(rep, "DELETE", "/todos/{id}", http.StatusNoContent)
		if rep.status >= 500 {
			c.m.forget(id)
		}
		return
	}
	c.m.remove(id)
	if c.rng.IntN(10) == 0 {
		rep, err := c.call(ctx, "delete", http.MethodDelete, "/todos/"+id, nil, true)
		if err == nil {
			c.expect(rep, "DELETE", "/todos/{id} (again)", http.StatusNotFound)
		}
	}
}

// readBack pages through the whole list with a random page size and
// compares it with the model.
func (c *client) readBack(ctx context.Context) {
	limit := 1 + c.rng.IntN(100)
	// A list four times the model's size is wrong enough: a cursor that
	// never ends is not followed further, and the list is not compared.
	maxPages := 4*(c.m.len()+limit)/limit + 10
	var got []listed
	cursor := ""
	pages := 0
	for {
		if pages == maxPages {
			c.t.fault("%s: read-back: still a nextCursor after %d pages of %d (the model holds %d todos); the list is not checked", c.who(), pages, limit, c.m.len())
			return
		}
		page, next, ok := c.page(ctx, "read-back", limit, cursor)
		if !ok {
			c.t.fault("%s: read-back: page %d not read; the list is not checked", c.who(), pages+1)
			return
		}
		pages++
		got = append(got, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	ch := c.m.compare(c.who(), got)
	ch.pages = pages
	c.t.check(ch)
}
