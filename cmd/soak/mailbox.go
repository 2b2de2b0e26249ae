package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mailbox finds the verification code mailed to an address.
type Mailbox interface {
	// Code waits until a verification code for addr has arrived and
	// returns the newest, or gives up when ctx ends.
	Code(ctx context.Context, addr string) (string, error)
}

// codePattern finds the code in the verification mail's subject ("Your
// verification code: 123456 / ...").
var codePattern = regexp.MustCompile(`verification code: ([0-9]{6})\b`)

// mailMessage is a mail's recipient and subject.
type mailMessage struct{ To, Subject string }

// poller is a Mailbox that reads the whole mailbox at most once per
// interval, however many clients wait, and hands each its code.
type poller struct {
	fetch    func(ctx context.Context) ([]mailMessage, error) // newest first
	interval time.Duration

	mu       sync.Mutex
	codes    map[string]string // address (lower case) → newest code
	fetched  time.Time
	fetching bool
	err      error // the last fetch's error
}

func newPoller(fetch func(context.Context) ([]mailMessage, error)) *poller {
	return &poller{fetch: fetch, interval: 200 * time.Millisecond, codes: map[string]string{}}
}

// NewMailbox reads codes from rawURL: the local server's dev sink when its
// path ends in /_dev/mail.json, else the Mailpit whose web UI and API are
// at rawURL.
func NewMailbox(rawURL string, hc *http.Client) (Mailbox, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mailbox %q is not an http(s) URL", rawURL)
	}
	if strings.HasSuffix(u.Path, "/_dev/mail.json") {
		return newPoller(func(ctx context.Context) ([]mailMessage, error) { return devSink(ctx, hc, rawURL) }), nil
	}
	base := strings.TrimRight(rawURL, "/")
	return newPoller(func(ctx context.Context) ([]mailMessage, error) { return mailpit(ctx, hc, base) }), nil
}

func (p *poller) Code(ctx context.Context, addr string) (string, error) {
	addr = strings.ToLower(addr)
	for {
		p.mu.Lock()
		code, ok := p.codes[addr]
		due := !p.fetching && time.Since(p.fetched) >= p.interval
		if due {
			p.fetching = true
		}
		lastErr := p.err
		p.mu.Unlock()
		if ok {
			return code, nil
		}
		if due {
			msgs, err := p.fetch(ctx)
			p.mu.Lock()
			p.fetching, p.fetched, p.err = false, time.Now(), err
			for i := len(msgs) - 1; i >= 0; i-- { // oldest first, so the newest code wins
				if m := codePattern.FindStringSubmatch(msgs[i].Subject); m != nil {
					p.codes[recipient(msgs[i].To)] = m[1]
				}
			}
			p.mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return "", fmt.Errorf("no verification code for %s: %w (last mailbox read: %v)", addr, ctx.Err(), lastErr)
			}
			return "", fmt.Errorf("no verification code for %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recipient is the bare address of a To header, in lower case.
func recipient(to string) string {
	if a, err := mail.ParseAddress(to); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(to))
}

// devSink reads the local server's GET /_dev/mail.json: every mail, newest
// first.
func devSink(ctx context.Context, hc *http.Client, u string) ([]mailMessage, error) {
	var msgs []struct{ To, Subject string }
	if err := getJSON(ctx, hc, u, &msgs); err != nil {
		return nil, err
	}
	out := make([]mailMessage, len(msgs))
	for i, m := range msgs {
		out[i] = mailMessage(m)
	}
	return out, nil
}

// mailpit reads Mailpit's GET /api/v1/messages, page by page: summaries,
// newest first.
func mailpit(ctx context.Context, hc *http.Client, base string) ([]mailMessage, error) {
	var out []mailMessage
	for start := 0; ; {
		var page struct {
			Total    int `json:"messages_count"`
			Messages []struct {
				To      []struct{ Address string }
				Subject string
			}
		}
		if err := getJSON(ctx, hc, base+"/api/v1/messages?limit=500&start="+strconv.Itoa(start), &page); err != nil {
			return nil, err
		}
		for _, m := range page.Messages {
			for _, to := range m.To {
				out = append(out, mailMessage{To: to.Address, Subject: m.Subject})
			}
		}
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out, nil
		}
	}
}

func getJSON(ctx context.Context, hc *http.Client, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("mailbox: GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailbox: GET %s: %s", u, resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("mailbox: GET %s: %w", u, err)
	}
	return nil
}
