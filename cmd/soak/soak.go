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
	rep, err = c.call(ctx, "verify", http.MethodPost, "/verify", map[string]string{"email": c.email, "code": code, "password": c.password}, false)
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
