package dynamodb

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// field is one attribute of an item and the Go value that holds it:
// exactly one of str, at, num, flag and list is set. Every item is encoded
// and decoded through its field list, without reflection: the users
// table's (userAttrs) and the todos, keys and sessions tables', these in
// the encoding the SDK's attributevalue package gave them
// (TestFieldsAreAttributevalues holds the two to the attribute), so items
// written before still read: a string is S, a time an RFC 3339 S, a
// number N, a bool BOOL, a []string an L of S; an empty value of an
// omitEmpty field is left out (a list only when nil), and a missing
// attribute reads as the zero value.
// Linking attributevalue cost each AWS function about 100 KB and a
// reflection pass per item.
type field struct {
	name      string
	omitEmpty bool
	str       *string
	at        *time.Time // an RFC 3339 string (formatTime)
	num       *int64
	flag      *bool
	list      *[]string
}

func (it *todoItem) fields() []field {
	return []field{
		{name: "userId", str: &it.UserID},
		{name: "id", str: &it.ID},
		{name: "title", str: &it.Title, omitEmpty: true},
		{name: "done", flag: &it.Done},
		{name: "createdAt", str: &it.CreatedAt, omitEmpty: true},
		{name: "updatedAt", str: &it.UpdatedAt, omitEmpty: true},
		{name: "version", num: &it.Version},
	}
}

func (it *claimItem) fields() []field {
	return []field{
		{name: "key", str: &it.Key},
		{name: "value", str: &it.Value, omitEmpty: true},
		{name: "expires", num: &it.Expires},
	}
}

func (it *throttleItem) fields() []field {
	return []field{
		{name: "key", str: &it.Key},
		{name: "failures", num: &it.Failures},
		{name: "windowStart", str: &it.WindowStart, omitEmpty: true},
		{name: "lockedUntil", str: &it.LockedUntil, omitEmpty: true},
		{name: "expires", num: &it.Expires},
		{name: "version", num: &it.Version},
	}
}

func (it *sessionItem) fields() []field {
	return []field{
		{name: "userId", str: &it.UserID},
		{name: "id", str: &it.ID},
		{name: "tokenHash", str: &it.TokenHash, omitEmpty: true},
		{name: "prevHash", str: &it.PrevHash, omitEmpty: true},
		{name: "rotatedAt", str: &it.RotatedAt, omitEmpty: true},
		{name: "nextSealed", str: &it.NextSealed, omitEmpty: true},
		{name: "createdAt", str: &it.CreatedAt, omitEmpty: true},
		{name: "lastUsedAt", str: &it.LastUsedAt, omitEmpty: true},
		{name: "expiresAt", str: &it.ExpiresAt, omitEmpty: true},
		{name: "expires", num: &it.Expires},
		{name: "clientIp", str: &it.ClientIP, omitEmpty: true},
		{name: "email", str: &it.Email, omitEmpty: true},
		{name: "spent", list: &it.Spent, omitEmpty: true},
		{name: "credGen", num: &it.CredGen, omitEmpty: true},
		{name: "version", num: &it.Version},
	}
}

// encodeFields returns the item of fs.
func encodeFields(fs []field) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(fs)+1) // +1: the write ID put adds
	for _, f := range fs {
		switch {
		case f.str != nil:
			if !f.omitEmpty || *f.str != "" {
				m[f.name] = str(*f.str)
			}
		case f.at != nil:
			if !f.omitEmpty || !f.at.IsZero() {
				m[f.name] = str(formatTime(*f.at))
			}
		case f.num != nil:
			if !f.omitEmpty || *f.num != 0 {
				m[f.name] = number(*f.num)
			}
		case f.flag != nil:
			if !f.omitEmpty || *f.flag {
				m[f.name] = &types.AttributeValueMemberBOOL{Value: *f.flag}
			}
		case f.list != nil:
			if !f.omitEmpty || *f.list != nil { // an empty, non-nil list is written, as attributevalue did

				l := make([]types.AttributeValue, len(*f.list))
				for i, s := range *f.list {
					l[i] = str(s)
				}
				m[f.name] = &types.AttributeValueMemberL{Value: l}
			}
		}
	}
	return m
}

// decodeFields sets fs from item m: a missing or NULL attribute leaves the
// zero value; an attribute of another type than its field's is an error
// naming it (stringAttr, numberAttr). Attributes no field names are
// ignored.
func decodeFields(m map[string]types.AttributeValue, fs []field) error {
	for _, f := range fs {
		if _, null := m[f.name].(*types.AttributeValueMemberNULL); null || m[f.name] == nil {
			continue
		}
		if err := decodeField(m, f); err != nil {
			return err
		}
	}
	return nil
}

func decodeField(m map[string]types.AttributeValue, f field) error {
	var err error
	switch {
	case f.str != nil:
		*f.str, err = stringAttr(m, f.name)
	case f.at != nil:
		var s string
		if s, err = stringAttr(m, f.name); err == nil {
			*f.at, err = parseTime(f.name, s)
		}
	case f.num != nil:
		*f.num, err = numberAttr(m, f.name)
	case f.flag != nil:
		b, ok := m[f.name].(*types.AttributeValueMemberBOOL)
		if !ok {
			return fmt.Errorf("attribute %s is %T, want a bool", f.name, m[f.name])
		}
		*f.flag = b.Value
	case f.list != nil:
		l, ok := m[f.name].(*types.AttributeValueMemberL)
		if !ok {
			return fmt.Errorf("attribute %s is %T, want a list", f.name, m[f.name])
		}
		out := make([]string, len(l.Value))
		for i, e := range l.Value {
			s, ok := e.(*types.AttributeValueMemberS)
			if !ok {
				return fmt.Errorf("attribute %s: element %d is %T, want a string", f.name, i, e)
			}
			out[i] = s.Value
		}
		*f.list = out
	}
	return err
}
