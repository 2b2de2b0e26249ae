package dynamotx

import (
	"crypto/sha256"
	"encoding/json"
	"time"
)

// TokenWindow is how long a ClientRequestToken is remembered: "A client
// request token is valid for 10 minutes after the first request that uses
// it is completed. After 10 minutes, any request with the same client token
// is treated as a new request." (API_TransactWriteItems,
// ClientRequestToken.)
const TokenWindow = 10 * time.Minute

// tokens remembers the ClientRequestToken of each transaction that
// succeeded in the last TokenWindow. The reference promises the replay
// ("subsequent TransactWriteItems calls with the same client token return
// successfully without making any changes") for a call that succeeded, so a
// cancelled or refused transaction is not remembered and its token may be
// sent again, with any parameters. The AWS SDK for Go v2 fills in a fresh
// token for every call that has none (its OperationIdempotencyTokenAutoFill
// middleware) and keeps it across its retries, so every SDK call lands
// here: entries are dropped as they expire.
type tokens struct {
	m     map[string]tokenEntry
	order []tokenDone // in the order they completed
}

type tokenEntry struct {
	params [sha256.Size]byte // the request's other parameters
	done   time.Time
	tables []tableCount // for the replay's ConsumedCapacity
}

type tokenDone struct {
	token string
	done  time.Time
}

// tableCount is how many of a transaction's items a table holds.
type tableCount struct {
	Table string
	Items int
}

func newTokens() *tokens { return &tokens{m: map[string]tokenEntry{}} }

// expire drops the tokens whose window has passed at now.
func (t *tokens) expire(now time.Time) {
	n := 0
	for _, d := range t.order {
		if now.Sub(d.done) < TokenWindow {
			break
		}
		if e, ok := t.m[d.token]; ok && e.done.Equal(d.done) {
			delete(t.m, d.token)
		}
		n++
	}
	t.order = t.order[n:]
}

// lookup returns the entry of a token still in its window.
func (t *tokens) lookup(token string, now time.Time) (tokenEntry, bool) {
	t.expire(now)
	e, ok := t.m[token]
	return e, ok
}

// remember records a transaction that succeeded.
func (t *tokens) remember(token string, e tokenEntry) {
	t.m[token] = e
	t.order = append(t.order, tokenDone{token, e.done})
}

// paramsHash digests a request's parameters other than ClientRequestToken,
// by meaning, not by bytes: members in any order and any spacing are the
// same request (the SDK's JSON encoder writes map members in Go's random
// map order; aws/aws-sdk-go-v2#1900 is DynamoDB Local comparing bytes).
func paramsHash(req map[string]any) [sha256.Size]byte {
	rest := make(map[string]any, len(req))
	for k, v := range req {
		if k != "ClientRequestToken" {
			rest[k] = v
		}
	}
	b, _ := json.Marshal(rest) // decoded JSON encodes again; map keys sorted
	return sha256.Sum256(b)
}
