package dynamodb

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// field is one attribute of an item and the Go value that holds it:
// exactly one of str, num, flag and list is set. The items of the todos,
// keys and sessions tables are encoded and decoded through their field
// lists, without reflection, in the encoding the SDK's attributevalue
// package gave them (TestFieldsAreAttributevalues holds the two to the
// attribute), so items written before still read: a string is S, a number
// N, a bool BOOL, a []string an L of S; an empty value of an omitEmpty
// field is left out (a list only when nil), and a missing attribute reads
// as the zero value.
// Linking attributevalue cost each AWS function about 100 KB and a
// reflection pass per item.
type field struct {
	name      string
	omitEmpty bool
	str       *string
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
		case f.num != nil:
			if !f.omitEmpty || *f.num != 0 {
				m[f.name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(*f.num, 10)}
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
// naming it. Attributes no field names are ignored.
func decodeFields(m map[string]types.AttributeValue, fs []field) error {
	for _, f := range fs {
		v, ok := m[f.name]
		if !ok {
			continue
		}
		if _, null := v.(*types.AttributeValueMemberNULL); null {
			continue
		}
		if err := decodeField(f, v); err != nil {
			return fmt.Errorf("attribute %s: %w", f.name, err)
		}
	}
	return nil
}

func decodeField(f field, v types.AttributeValue) error {
	switch {
	case f.str != nil:
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return fmt.Errorf("is %T, want a string", v)
		}
		*f.str = s.Value
	case f.num != nil:
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			return fmt.Errorf("is %T, want a number", v)
		}
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return err
		}
		*f.num = i
	case f.flag != nil:
		b, ok := v.(*types.AttributeValueMemberBOOL)
		if !ok {
			return fmt.Errorf("is %T, want a bool", v)
		}
		*f.flag = b.Value
	case f.list != nil:
		l, ok := v.(*types.AttributeValueMemberL)
		if !ok {
			return fmt.Errorf("is %T, want a list", v)
		}
		out := make([]string, len(l.Value))
		for i, e := range l.Value {
			s, ok := e.(*types.AttributeValueMemberS)
			if !ok {
				return fmt.Errorf("element %d is %T, want a string", i, e)
			}
			out[i] = s.Value
		}
		*f.list = out
	}
	return nil
}
