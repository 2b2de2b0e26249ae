// Package dynamostreamtest plays a users table's stream where the server has
// none: dynalite keeps no stream, so a dev tool (cmd/localcloud) polls the
// table and turns what changed into the records a DynamoDB stream would have
// delivered to the mailer, in package dynamodb's stream types.
//
// It scans over DynamoDB's JSON protocol with plain HTTP, not the SDK (which
// only package dynamodb imports): dynalite checks that a request is signed
// in form, not the signature, and a Scan's items come back in exactly the
// attribute-value JSON of a stream record's images.
package dynamostreamtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/todofn/todofn/pkg/dynamodb"
)

// maxScanPages bounds one Poll's Scan; at DynamoDB's 1 MB a page it is far
// beyond any table a local run holds.
const maxScanPages = 10000

// UsersStream derives users-table stream records (view type
// NEW_AND_OLD_IMAGES) by comparing snapshots of the table. It is a
// development stand-in, not a stream: changes that happen between two polls
// come out as one record (INSERT then MODIFY read as one INSERT of the
// latest image, say), and records are ordered by key, not by time. A
// UsersStream is not safe for concurrent use.
type UsersStream struct {
	endpoint string
	table    string
	region   string
	arn      string
	client   *http.Client
	now      func() time.Time
	last     map[string]snapshot // by email
	seq      uint64
}

type snapshot struct {
	image dynamodb.Image
	json  string // the image's canonical JSON, for comparison
}

// New returns a UsersStream over the users table of the DynamoDB-API server
// at endpoint. It does not contact the server; the first Poll reports every
// user present as an INSERT.
func New(endpoint, region, usersTable string) *UsersStream {
	start := time.Now().UTC()
	return &UsersStream{
		endpoint: endpoint, table: usersTable, region: region,
		arn: fmt.Sprintf("arn:aws:dynamodb:%s:000000000000:table/%s/stream/%s",
			region, usersTable, start.Format("2006-01-02T15:04:05.000")),
		client: &http.Client{Timeout: 10 * time.Second},
		now:    time.Now,
		last:   map[string]snapshot{},
	}
}

// Poll scans the users table with strongly consistent reads and returns one
// record per item that appeared (INSERT, NewImage), changed (MODIFY, both
// images) or disappeared (REMOVE, OldImage) since the previous Poll, in key
// order, with increasing sequence numbers. When the scan fails, Poll returns
// the error and forgets nothing: the next Poll reports the same changes.
func (p *UsersStream) Poll(ctx context.Context) ([]dynamodb.StreamRecord, error) {
	current, err := p.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(current)+len(p.last))
	for k := range current {
		keys = append(keys, k)
	}
	for k := range p.last {
		if _, ok := current[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var recs []dynamodb.StreamRecord
	for _, k := range keys {
		old, had := p.last[k]
		cur, has := current[k]
		switch {
		case has && !had:
			recs = append(recs, p.record(k, "INSERT", nil, cur))
		case has && had && old.json != cur.json:
			recs = append(recs, p.record(k, "MODIFY", &old, cur))
		case had && !has:
			recs = append(recs, p.record(k, "REMOVE", &old, snapshot{}))
		}
	}
	p.last = current
	return recs, nil
}

// snapshot reads every item of the table, by email.
func (p *UsersStream) snapshot(ctx context.Context) (map[string]snapshot, error) {
	current := map[string]snapshot{}
	var start dynamodb.Image
	for page := 0; ; page++ {
		if page == maxScanPages {
			return nil, fmt.Errorf("dynamostreamtest: scan of %s has more than %d pages", p.table, maxScanPages)
		}
		out, err := p.scan(ctx, start)
		if err != nil {
			return nil, fmt.Errorf("dynamostreamtest: scan %s: %w", p.table, err)
		}
		for _, item := range out.Items {
			var email struct{ S *string }
			if err := json.Unmarshal(item["email"], &email); err != nil || email.S == nil {
				return nil, fmt.Errorf("dynamostreamtest: an item of %s has no string email", p.table)
			}
			canon, err := canonical(item)
			if err != nil {
				return nil, fmt.Errorf("dynamostreamtest: item %s: %w", *email.S, err)
			}
			current[*email.S] = snapshot{image: item, json: canon}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return current, nil
		}
		start = out.LastEvaluatedKey
	}
}

type scanOutput struct {
	Items            []dynamodb.Image
	LastEvaluatedKey dynamodb.Image
}

// scan is one Scan call in DynamoDB's JSON 1.0 protocol.
func (p *UsersStream) scan(ctx context.Context, start dynamodb.Image) (scanOutput, error) {
	in := map[string]any{"TableName": p.table, "ConsistentRead": true}
	if len(start) > 0 {
		in["ExclusiveStartKey"] = start
	}
	body, _ := json.Marshal(in) // strings, a bool and raw JSON: cannot fail
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return scanOutput{}, err
	}
	now := p.now().UTC()
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
	req.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	// A signature in form: dynalite does not check it.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/"+now.Format("20060102")+"/"+p.region+
		"/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0")
	res, err := p.client.Do(req)
	if err != nil {
		return scanOutput{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return scanOutput{}, err
	}
	if res.StatusCode != http.StatusOK {
		return scanOutput{}, fmt.Errorf("HTTP %d: %s", res.StatusCode, bytes.TrimSpace(data))
	}
	var out scanOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return scanOutput{}, fmt.Errorf("decode: %w", err)
	}
	return out, nil
}

// canonical is img's JSON with object keys sorted at every level, so two
// snapshots of an unchanged item compare equal.
func canonical(img dynamodb.Image) (string, error) {
	var v any
	b, err := json.Marshal(img)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err == nil {
		b, err = json.Marshal(v) // maps marshal with sorted keys
	}
	return string(b), err
}

func (p *UsersStream) record(email, op string, old *snapshot, cur snapshot) dynamodb.StreamRecord {
	p.seq++
	size := len(cur.json)
	var oldImage dynamodb.Image
	if old != nil {
		oldImage, size = old.image, size+len(old.json)
	}
	key, _ := json.Marshal(map[string]string{"S": email}) // cannot fail
	return dynamodb.StreamRecord{
		AWSRegion:      p.region,
		EventID:        fmt.Sprintf("%032x", p.seq),
		EventName:      op,
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceARN: p.arn,
		Change: dynamodb.StreamChange{
			ApproximateCreationDateTime: p.now().UTC().Unix(),
			Keys:                        dynamodb.Image{"email": key},
			NewImage:                    cur.image,
			OldImage:                    oldImage,
			SequenceNumber:              fmt.Sprintf("%021d", p.seq),
			SizeBytes:                   int64(size),
			StreamViewType:              "NEW_AND_OLD_IMAGES",
		},
	}
}
