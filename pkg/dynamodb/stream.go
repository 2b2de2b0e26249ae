package dynamodb

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

// UserChange decodes one record of the users table's stream (view type
// NEW_AND_OLD_IMAGES) into the domain: Old from OldImage, New from NewImage,
// nil when the image is absent. An INSERT must carry a NewImage, a REMOVE an
// OldImage, and a MODIFY both; any other record (another event source or
// name, a missing image, an image that is not a user) is an error that names
// what is wrong.
func UserChange(rec events.DynamoDBEventRecord) (todo.UserChange, error) {
	if rec.EventSource != "" && rec.EventSource != "aws:dynamodb" {
		return todo.UserChange{}, fmt.Errorf("dynamodb: stream record %s: event source %q is not aws:dynamodb", rec.EventID, rec.EventSource)
	}
	var needOld, needNew bool
	switch rec.EventName {
	case string(events.DynamoDBOperationTypeInsert):
		needNew = true
	case string(events.DynamoDBOperationTypeModify):
		needOld, needNew = true, true
	case string(events.DynamoDBOperationTypeRemove):
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

func imageUser(rec events.DynamoDBEventRecord, which string, img map[string]events.DynamoDBAttributeValue, need bool) (*todo.User, error) {
	if len(img) == 0 {
		if need {
			return nil, fmt.Errorf("dynamodb: stream record %s: %s event without %s (stream view type %q, want NEW_AND_OLD_IMAGES)",
				rec.EventID, rec.EventName, which, rec.Change.StreamViewType)
		}
		return nil, nil
	}
	m, err := fromStreamMap(img)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: stream record %s: %s: %w", rec.EventID, which, err)
	}
	u, err := decodeUser(m)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: stream record %s: %s is not a user: %w", rec.EventID, which, err)
	}
	return u, nil
}

// fromStreamMap converts an image from the Lambda event types to the SDK's,
// so one decoder serves table reads and stream records.
func fromStreamMap(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av, err := fromStream(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func fromStream(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	// The accessors of events.DynamoDBAttributeValue panic on a type
	// mismatch, so each is called only under its own DataType.
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, e := range l {
			av, err := fromStream(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := fromStreamMap(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %v", v.DataType())
}
