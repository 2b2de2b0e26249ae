package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// StreamEvent is a batch of DynamoDB stream records as Lambda delivers it to
// an event source mapping's function.
type StreamEvent struct {
	Records []StreamRecord `json:"Records"`
}

// StreamRecord is one record of a table's stream.
type StreamRecord struct {
	EventID        string       `json:"eventID"`
	EventName      string       `json:"eventName"` // INSERT, MODIFY or REMOVE
	EventVersion   string       `json:"eventVersion,omitempty"`
	EventSource    string       `json:"eventSource"` // aws:dynamodb
	AWSRegion      string       `json:"awsRegion,omitempty"`
	EventSourceARN string       `json:"eventSourceARN,omitempty"`
	Change         StreamChange `json:"dynamodb"`
}

// StreamChange is the "dynamodb" part of a record: the keys and images in
// DynamoDB's attribute-value JSON ({"S":"..."}, {"N":"1"}, ...).
type StreamChange struct {
	ApproximateCreationDateTime int64  `json:"ApproximateCreationDateTime,omitempty"`
	Keys                        Image  `json:"Keys,omitempty"`
	NewImage                    Image  `json:"NewImage,omitempty"`
	OldImage                    Image  `json:"OldImage,omitempty"`
	SequenceNumber              string `json:"SequenceNumber"`
	SizeBytes                   int64  `json:"SizeBytes,omitempty"`
	StreamViewType              string `json:"StreamViewType,omitempty"`
}

// Image is an item in attribute-value JSON, attribute by attribute.
type Image map[string]json.RawMessage

// IsStreamEvent reports whether payload is a DynamoDB stream event.
func IsStreamEvent(payload []byte) bool {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		}
	}
	return json.Unmarshal(payload, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:dynamodb"
}

// DecodeStream decodes a users-table stream event as Lambda delivers it:
// each record becomes a todo.StreamRecord, in order, named by its sequence
// number (the itemIdentifier of Lambda's partial-batch answer) and event
// id, with the change UserChange decodes or its error. A payload that is
// not JSON of a stream event is an error. What becomes of each record is
// the mailer's batch policy (package app/stream).
func DecodeStream(payload []byte) ([]todo.StreamRecord, error) {
	var ev StreamEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("dynamodb: decode stream event: %w", err)
	}
	recs := make([]todo.StreamRecord, len(ev.Records))
	for i, rec := range ev.Records {
		c, err := UserChange(rec)
		recs[i] = todo.StreamRecord{ID: rec.Change.SequenceNumber, Event: rec.EventID, Change: c, Err: err}
	}
	return recs, nil
}

// UserChange decodes one record of the users table's stream (view type
// NEW_AND_OLD_IMAGES) into the domain: Old from OldImage, New from NewImage,
// nil when the image is absent. An INSERT must carry a NewImage, a REMOVE an
// OldImage, and a MODIFY both; any other record (another event source or
// name, a missing image, an image that is not a user) is an error that names
// what is wrong.
func UserChange(rec StreamRecord) (todo.UserChange, error) {
	if rec.EventSource != "" && rec.EventSource != "aws:dynamodb" {
		return todo.UserChange{}, fmt.Errorf("dynamodb: stream record %s: event source %q is not aws:dynamodb", rec.EventID, rec.EventSource)
	}
	var needOld, needNew bool
	switch rec.EventName {
	case "INSERT":
		needNew = true
	case "MODIFY":
		needOld, needNew = true, true
	case "REMOVE":
		needOld = true
	default:
		return todo.UserChange{}, fmt.Errorf("dynamodb: stream record %s: unknown event name %q", rec.EventID, rec.EventName)
	}
	var c todo.UserChange
	var err error
	if c.Old, err = imageUser(rec, "OldImage", rec.Change.OldImage, needOld); err != nil {
		return todo.UserChange{}, err
	}
	if c.New, err = imageUser(rec, "NewImage", rec.Change.NewImage, needNew); err != nil {
		return todo.UserChange{}, err
	}
	return c, nil
}

func imageUser(rec StreamRecord, which string, img Image, need bool) (*todo.User, error) {
	if len(img) == 0 {
		if need {
			return nil, fmt.Errorf("dynamodb: stream record %s: %s event without %s (stream view type %q, want NEW_AND_OLD_IMAGES)",
				rec.EventID, rec.EventName, which, rec.Change.StreamViewType)
		}
		return nil, nil
	}
	m, err := img.item()
	if err != nil {
		return nil, fmt.Errorf("dynamodb: stream record %s: %s: %w", rec.EventID, which, err)
	}
	u, err := decodeUser(m)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: stream record %s: %s is not a user: %w", rec.EventID, which, err)
	}
	return u, nil
}

// item converts an image to the SDK's attribute values, so one decoder
// serves table reads and stream records.
func (img Image) item() (map[string]types.AttributeValue, error) {
	return convertAttrs(img, attributeValue)
}

// convertAttrs converts each attribute of an item (or map value) with f; an
// error names the attribute.
func convertAttrs[V, W any](m map[string]V, f func(V) (W, error)) (map[string]W, error) {
	out := make(map[string]W, len(m))
	for k, v := range m {
		w, err := f(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = w
	}
	return out, nil
}

// convertElems converts each element of a list value with f; an error names
// the index.
func convertElems[V, W any](l []V, f func(V) (W, error)) ([]W, error) {
	out := make([]W, len(l))
	for i, v := range l {
		w, err := f(v)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = w
	}
	return out, nil
}

// attributeValue decodes one value of attribute-value JSON: an object with
// exactly one member named by the type (S, N, B, BOOL, NULL, SS, NS, BS, L,
// M).
func attributeValue(raw json.RawMessage) (types.AttributeValue, error) {
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || len(v) != 1 {
		return nil, fmt.Errorf("not an attribute value: %s", truncate(raw))
	}
	for typ, body := range v {
		return typedValue(typ, body)
	}
	return nil, nil // unreachable: v has one member
}

func typedValue(typ string, body json.RawMessage) (types.AttributeValue, error) {
	var err error
	switch typ {
	case "S":
		var s string
		err = json.Unmarshal(body, &s)
		return &types.AttributeValueMemberS{Value: s}, wrapType(typ, err)
	case "N":
		var s string
		err = json.Unmarshal(body, &s)
		return &types.AttributeValueMemberN{Value: s}, wrapType(typ, err)
	case "B":
		var b []byte // base64 in JSON
		err = json.Unmarshal(body, &b)
		return &types.AttributeValueMemberB{Value: b}, wrapType(typ, err)
	case "BOOL":
		var b bool
		err = json.Unmarshal(body, &b)
		return &types.AttributeValueMemberBOOL{Value: b}, wrapType(typ, err)
	case "NULL":
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case "SS", "NS":
		var ss []string
		if err = json.Unmarshal(body, &ss); err != nil {
			return nil, wrapType(typ, err)
		}
		if typ == "SS" {
			return &types.AttributeValueMemberSS{Value: ss}, nil
		}
		return &types.AttributeValueMemberNS{Value: ss}, nil
	case "BS":
		var bs [][]byte
		err = json.Unmarshal(body, &bs)
		return &types.AttributeValueMemberBS{Value: bs}, wrapType(typ, err)
	case "L":
		return listValue(body)
	case "M":
		var img Image
		if err = json.Unmarshal(body, &img); err != nil {
			return nil, wrapType(typ, err)
		}
		m, err := img.item()
		return &types.AttributeValueMemberM{Value: m}, err
	}
	return nil, fmt.Errorf("unsupported attribute type %q", typ)
}

func listValue(body json.RawMessage) (types.AttributeValue, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, wrapType("L", err)
	}
	out, err := convertElems(raws, attributeValue)
	if err != nil {
		return nil, err
	}
	return &types.AttributeValueMemberL{Value: out}, nil
}

func wrapType(typ string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("attribute of type %s: %w", typ, err)
}

func truncate(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// StreamImage converts a stored item (as GetItem or Scan return it) into a
// stream record's image; UserChange reads such images back.
func StreamImage(item map[string]types.AttributeValue) (Image, error) {
	return convertAttrs(item, streamJSON)
}

func streamJSON(v types.AttributeValue) (json.RawMessage, error) {
	var body any
	var typ string
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		typ, body = "S", v.Value
	case *types.AttributeValueMemberN:
		typ, body = "N", v.Value
	case *types.AttributeValueMemberBOOL:
		typ, body = "BOOL", v.Value
	case *types.AttributeValueMemberNULL:
		typ, body = "NULL", true
	case *types.AttributeValueMemberB:
		typ, body = "B", base64.StdEncoding.EncodeToString(v.Value)
	case *types.AttributeValueMemberSS:
		typ, body = "SS", v.Value
	case *types.AttributeValueMemberNS:
		typ, body = "NS", v.Value
	case *types.AttributeValueMemberBS:
		typ, body = "BS", v.Value
	case *types.AttributeValueMemberL:
		l, err := convertElems(v.Value, streamJSON)
		if err != nil {
			return nil, err
		}
		typ, body = "L", l
	case *types.AttributeValueMemberM:
		m, err := StreamImage(v.Value)
		if err != nil {
			return nil, err
		}
		typ, body = "M", m
	default:
		return nil, fmt.Errorf("unsupported attribute type %T", v)
	}
	return json.Marshal(map[string]any{typ: body})
}
