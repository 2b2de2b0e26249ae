package dynamotx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// The error types, as DynamoDB and dynalite write them in "__type". A
// validation error comes from the validation layer, the others from the
// service itself (dynalite's validations/index.js and db/index.js write the
// same).
const (
	typeValidation  = "com.amazon.coral.validate#ValidationException"
	typeSerializing = "com.amazon.coral.service#SerializationException"
	typeService     = "com.amazonaws.dynamodb.v20120810#"
)

// answer is what the Handler writes back: a status and a JSON body.
type answer struct {
	status int
	body   []byte
}

// okAnswer answers 200 with v as JSON.
func okAnswer(v any) *answer {
	b, err := json.Marshal(v)
	if err != nil {
		return internalError(fmt.Sprintf("encode the answer: %v", err))
	}
	return &answer{status: http.StatusOK, body: b}
}

// fail answers status with an error of type typ. The message member is
// spelled as the SDK's model spells it for that error ("Message" for
// TransactionCanceledException and IdempotentParameterMismatchException,
// "message" for the others: service/dynamodb's schemas.go), so that the
// SDK's typed error carries it.
func fail(status int, typ, msgMember, msg string, extra map[string]any) *answer {
	m := map[string]any{"__type": typ, msgMember: msg}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m) // strings and JSON values only
	return &answer{status: status, body: b}
}

// validation answers a ValidationException listing every problem, in the
// form DynamoDB gives: "2 validation errors detected: a; b".
func validation(problems ...string) *answer {
	n := "1 validation error"
	if len(problems) > 1 {
		n = strconv.Itoa(len(problems)) + " validation errors"
	}
	return fail(http.StatusBadRequest, typeValidation, "message", n+" detected: "+strings.Join(problems, "; "), nil)
}

// invalid answers a ValidationException with a message of its own.
func invalid(msg string) *answer {
	return fail(http.StatusBadRequest, typeValidation, "message", msg, nil)
}

// internalError answers InternalServerError (HTTP 500), DynamoDB's answer
// when it cannot finish a request.
func internalError(msg string) *answer {
	return fail(http.StatusInternalServerError, typeService+"InternalServerError", "message", msg, nil)
}

// reply writes a, with the headers DynamoDB sends: the body's CRC32, which
// the SDK checks (service/dynamodb/internal/customizations/checksum.go),
// and a request id.
func (h *Handler) reply(w http.ResponseWriter, a *answer) {
	hd := w.Header()
	hd.Set("Content-Type", "application/x-amz-json-1.0")
	hd.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(a.body)), 10))
	hd.Set("X-Amzn-Requestid", requestID())
	hd.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body) // the client may be gone; nothing to do
}

// requestID returns 52 random upper-case letters and digits, like
// DynamoDB's and dynalite's x-amzn-RequestId.
func requestID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 52)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// authHeaders keeps the headers of a client's request that the server
// checks: dynalite wants a signature in form (Authorization, X-Amz-Date),
// not a valid one (its index.js), so a transaction's calls carry the
// client's.
func authHeaders(in http.Header) http.Header {
	out := http.Header{}
	for _, k := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Date"} {
		if v := in.Values(k); len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

// caller makes a transaction's single-item calls to the server, signed as
// the client's request was.
type caller struct {
	h    *Handler
	auth http.Header
}

// result is the server's answer to one call.
type result struct {
	status int
	body   []byte
	typ    string // the error's type without its namespace, "" on success
}

// failed reports whether the call failed with error type typ.
func (r *result) failed(typ string) bool { return r.typ == typ }

// passOn answers the client with the server's own error.
func (r *result) passOn() *answer { return &answer{status: r.status, body: r.body} }

// call sends one request of operation op with body in and reads the answer.
// A transport failure is an error; an error answer of the server is a
// result with its type. The call is not tied to the client's request: a
// transaction finishes (or is undone) even when its client has left.
func (c *caller) call(op string, in any) (*result, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("dynamotx: encode %s: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.h.upstream+"/", bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("dynamotx: %s: %w", op, err)
	}
	for k, v := range c.auth {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	resp, err := c.h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("dynamotx: %s: %w", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("dynamotx: %s: read the answer: %w", op, err)
	}
	r := &result{status: resp.StatusCode, body: body}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(body, &e) // a body that is no JSON leaves no type
		_, r.typ, _ = strings.Cut(e.Type, "#")
		if r.typ == "" {
			r.typ = "HTTP " + strconv.Itoa(resp.StatusCode)
		}
	}
	return r, nil
}

// object is a JSON object whose members are kept as they came.
type object = map[string]json.RawMessage

// keySchema names a table's key attributes: the partition key, then the
// sort key if it has one.
type keySchema []string

// keySchemas caches each table's key schema, read with DescribeTable.
// CreateTable and DeleteTable through the Handler empty it, since a table
// may come back under its name with other keys.
type keySchemas struct {
	mu sync.Mutex
	m  map[string]keySchema
}

func (k *keySchemas) forget() {
	k.mu.Lock()
	clear(k.m)
	k.mu.Unlock()
}

// schema returns the key schema of table, asking the server when it is not
// cached. A failure of the server's is returned as its answer.
func (k *keySchemas) schema(c *caller, table string) (keySchema, *answer) {
	k.mu.Lock()
	s, ok := k.m[table]
	k.mu.Unlock()
	if ok {
		return s, nil
	}
	r, err := c.call("DescribeTable", map[string]string{"TableName": table})
	if err != nil {
		return nil, internalError(err.Error())
	}
	if r.typ != "" {
		return nil, r.passOn()
	}
	var d struct {
		Table struct {
			KeySchema []struct{ AttributeName, KeyType string }
		}
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		return nil, internalError(fmt.Sprintf("describe table %s: %v", table, err))
	}
	for _, ks := range d.Table.KeySchema {
		if ks.KeyType == "HASH" {
			s = append(keySchema{ks.AttributeName}, s...)
		} else {
			s = append(s, ks.AttributeName)
		}
	}
	if len(s) == 0 {
		return nil, internalError(fmt.Sprintf("describe table %s: no key schema", table))
	}
	k.mu.Lock()
	k.m[table] = s
	k.mu.Unlock()
	return s, nil
}

// key returns the key attributes of item (an item or a key) under s, or
// false when one is missing.
func (s keySchema) key(item object) (object, bool) {
	k := object{}
	for _, name := range s {
		v, ok := item[name]
		if !ok {
			return nil, false
		}
		k[name] = v
	}
	return k, true
}

// identity returns a string that two keys of one table share exactly when
// they name the same item: each key attribute's type and value, numbers
// compared as numbers (1 and 1.0 are one key, as in DynamoDB). False when
// an attribute is missing or not a scalar key type; the server then refuses
// the item anyway.
func (s keySchema) identity(table string, key object) (string, bool) {
	var b strings.Builder
	b.WriteString(strconv.Quote(table))
	for _, name := range s {
		var av map[string]string
		if err := json.Unmarshal(key[name], &av); err != nil || len(av) != 1 {
			return "", false
		}
		for typ, v := range av {
			switch typ {
			case "S", "B":
			case "N":
				n, ok := new(big.Rat).SetString(v)
				if !ok {
					return "", false
				}
				v = n.RatString()
			default:
				return "", false
			}
			fmt.Fprintf(&b, " %q %s %q", name, typ, v)
		}
	}
	return b.String(), true
}
