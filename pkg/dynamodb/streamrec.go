package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// This file plays the users table's stream where the server has none: dynalite
// keeps no stream, so a dev tool (cmd/localcloud) polls the table and turns
// what changed into the records a DynamoDB stream would have delivered to the
// mailer.

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
	client *ddb.Client
	table  string
	region string
	arn    string
	now    func() time.Time
	last   map[string]snapshot // by email
	seq    uint64
}

type snapshot struct {
	image map[string]events.DynamoDBAttributeValue
	json  string // the image's canonical JSON, for comparison
}

// NewUsersStream returns a UsersStream over cfg's users table. It does not
// contact DynamoDB; the first Poll reports every user present as an INSERT.
func NewUsersStream(ctx context.Context, cfg Config) (*UsersStream, error) {
	client, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	start := now().UTC()
	return &UsersStream{
		client: client,
		table:  cfg.UsersTable,
		region: cfg.Region,
		arn: fmt.Sprintf("arn:aws:dynamodb:%s:000000000000:table/%s/stream/%s",
			cfg.Region, cfg.UsersTable, start.Format("2006-01-02T15:04:05.000")),
		now:  now,
		last: map[string]snapshot{},
	}, nil
}

// Poll scans the users table with strongly consistent reads and returns one
// record per item that appeared (INSERT, NewImage), changed (MODIFY, both
// images) or disappeared (REMOVE, OldImage) since the previous Poll, in key
// order, with increasing sequence numbers. The images carry the items'
// attributes exactly as stored. When the scan fails, Poll returns the error
// and forgets nothing: the next Poll reports the same changes.
func (p *UsersStream) Poll(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	current := map[string]snapshot{}
	var start map[string]types.AttributeValue
	for page := 0; ; page++ {
		if page == maxScanPages {
			return nil, fmt.Errorf("dynamodb: users stream: scan of %s has more than %d pages", p.table, maxScanPages)
		}
		out, err := p.client.Scan(ctx, &ddb.ScanInput{TableName: aws.String(p.table), ConsistentRead: aws.Bool(true), ExclusiveStartKey: start})
		if err != nil {
			return nil, fmt.Errorf("dynamodb: users stream: scan %s: %w", p.table, err)
		}
		for _, item := range out.Items {
			email, ok := item["email"].(*types.AttributeValueMemberS)
			if !ok {
				return nil, fmt.Errorf("dynamodb: users stream: an item of %s has no string email", p.table)
			}
			img, err := StreamImage(item)
			if err != nil {
				return nil, fmt.Errorf("dynamodb: users stream: item %s: %w", email.Value, err)
			}
			b, err := json.Marshal(img)
			if err != nil {
				return nil, fmt.Errorf("dynamodb: users stream: item %s: %w", email.Value, err)
			}
			current[email.Value] = snapshot{image: img, json: string(b)}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
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
	var recs []events.DynamoDBEventRecord
	for _, k := range keys {
		old, had := p.last[k]
		cur, has := current[k]
		switch {
		case has && !had:
			recs = append(recs, p.record(k, events.DynamoDBOperationTypeInsert, nil, cur))
		case has && had && old.json != cur.json:
			recs = append(recs, p.record(k, events.DynamoDBOperationTypeModify, &old, cur))
		case had && !has:
			recs = append(recs, p.record(k, events.DynamoDBOperationTypeRemove, &old, snapshot{}))
		}
	}
	p.last = current
	return recs, nil
}

func (p *UsersStream) record(email string, op events.DynamoDBOperationType, old *snapshot, cur snapshot) events.DynamoDBEventRecord {
	p.seq++
	size := len(cur.json)
	var oldImage map[string]events.DynamoDBAttributeValue
	if old != nil {
		oldImage, size = old.image, size+len(old.json)
	}
	return events.DynamoDBEventRecord{
		AWSRegion:      p.region,
		EventID:        fmt.Sprintf("%032x", p.seq),
		EventName:      string(op),
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: p.arn,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: p.now().UTC().Truncate(time.Second)},
			Keys:                        map[string]events.DynamoDBAttributeValue{"email": events.NewStringAttribute(email)},
			NewImage:                    cur.image,
			OldImage:                    oldImage,
			SequenceNumber:              fmt.Sprintf("%021d", p.seq),
			SizeBytes:                   int64(size),
			StreamViewType:              string(events.DynamoDBStreamViewTypeNewAndOldImages),
		},
	}
}

// StreamImage converts a stored item (as GetItem or Scan return it) into the
// attribute layout of a stream record's OldImage or NewImage, attribute for
// attribute. UserChange reads such images back.
func StreamImage(item map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		av, err := toStream(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// toStream is the inverse of fromStream.
func toStream(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			av, err := toStream(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, fmt.Errorf("[%d]: %w", i, err)
			}
			l[i] = av
		}
		return events.NewListAttribute(l), nil
	case *types.AttributeValueMemberM:
		m, err := StreamImage(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		return events.NewMapAttribute(m), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute type %T", v)
}
