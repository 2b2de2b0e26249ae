// Package trigger decodes the events of a Function Compute Tablestore
// trigger on the users table (CBOR, or JSON from the console) into account
// changes for the mailer. It is a package of its own so that only the
// mailer links the CBOR library: no HTTP function imports it
// (internal/archtest checks).
package trigger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/todofn/todofn/pkg/tablestore"
	"github.com/todofn/todofn/pkg/todo"
)

// Version is the payload version of the Tablestore trigger that
// Decode reads.
const Version = "Sync-v1"

// RecordError is a record of a trigger payload that could not be decoded.
type RecordError struct {
	Index int // position in "Records", from 0
	Err   error
}

func (e RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }

// Error reports the records of a trigger payload that Decode
// skipped. The other records were decoded and returned.
type Error struct {
	Records []RecordError
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Records))
	for i, r := range e.Records {
		parts[i] = r.Error()
	}
	return "trigger: " + strings.Join(parts, "; ")
}

// Indexes returns the positions of the bad records.
func (e *Error) Indexes() []int {
	idx := make([]int, len(e.Records))
	for i, r := range e.Records {
		idx[i] = r.Index
	}
	return idx
}

// Unwrap returns each record's error.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Records))
	for i, r := range e.Records {
		errs[i] = r.Err
	}
	return errs
}

// Decode decodes the event of a Function Compute Tablestore trigger
// on the users table: CBOR as the trigger delivers it, or JSON of the same
// layout (the console's test event), told apart by a leading '{'. The
// layout, as documented:
//
//	{"Version": "Sync-v1", "Records": [{"Type": "PutRow"|"UpdateRow"|"DeleteRow",
//	  "Info": {"Timestamp": µs}, "PrimaryKey": [{"ColumnName", "Value"}],
//	  "Columns": [{"Type": "Put"|"DeleteOneVersion"|"DeleteAllVersions",
//	  "ColumnName", "Value", "Timestamp"}]}]}
//
// Each record becomes one change, in order. Tablestore streams carry no old
// image, so Old is always nil; New is the user the PutRow wrote, and nil
// for a DeleteRow. UpdateRow records are refused, since they hold only the
// changed columns and this package writes users whole.
//
// One bad record does not hide the others: Decode returns the
// changes of every good record together with a *Error that lists
// the bad ones by index (a record that is not a users row, lacks a field or
// a required column, or has a value of the wrong type). A payload that
// cannot be parsed at all, or has another Version, returns no changes and
// a plain error.
func Decode(payload []byte) ([]todo.UserChange, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return nil, errors.New("trigger: empty payload")
	}
	var version string
	var raws []map[string]any
	var rawErrs []RecordError
	var err error
	if trimmed[0] == '{' {
		version, raws, rawErrs, err = envelope(trimmed, "json", json.Unmarshal, jsonRecord)
	} else {
		version, raws, rawErrs, err = envelope(payload, "cbor", cbor.Unmarshal, cborRecord)
	}
	if err != nil {
		return nil, err
	}
	if version != Version {
		return nil, fmt.Errorf("trigger: Version is %q, want %q", version, Version)
	}
	bad := map[int]bool{}
	for _, e := range rawErrs {
		bad[e.Index] = true
	}
	var changes []todo.UserChange
	errs := rawErrs
	for i, m := range raws {
		if bad[i] {
			continue
		}
		c, err := decodeRecord(m)
		if err != nil {
			errs = append(errs, RecordError{i, err})
			continue
		}
		changes = append(changes, c)
	}
	if len(errs) > 0 {
		sortRecordErrors(errs)
		return changes, &Error{Records: errs}
	}
	return changes, nil
}

// envelope reads the payload's Version and Records with unmarshal, then
// each record with record; a record that does not read is listed in
// rawErrs by index (its place in raws is kept, so the indexes line up).
func envelope[R any](payload []byte, format string, unmarshal func([]byte, any) error, record func(R) (map[string]any, error)) (version string, raws []map[string]any, rawErrs []RecordError, err error) {
	var top struct {
		Version string
		Records []R
	}
	if err := unmarshal(payload, &top); err != nil {
		return "", nil, nil, fmt.Errorf("trigger: %s: %w", format, err)
	}
	for i, r := range top.Records {
		m, err := record(r)
		if err != nil {
			rawErrs = append(rawErrs, RecordError{i, err})
		}
		raws = append(raws, m)
	}
	return top.Version, raws, rawErrs, nil
}

// jsonRecord reads a JSON record with numbers kept as json.Number.
func jsonRecord(r json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("not an object: %s", truncate(string(r)))
	}
	return m, nil
}

func cborRecord(r cbor.RawMessage) (map[string]any, error) {
	var m map[string]any
	if err := cbor.Unmarshal(r, &m); err != nil || m == nil {
		return nil, errors.New("not a map")
	}
	return m, nil
}

func sortRecordErrors(errs []RecordError) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Index < errs[j-1].Index; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// field returns m[name], matching the name case-insensitively as the CBOR
// and JSON decoders match struct fields.
func field(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func stringField(m map[string]any, name string) (string, error) {
	v, ok := field(m, name)
	if !ok {
		return "", fmt.Errorf("missing %s", name)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is %T, want a string", name, v)
	}
	return s, nil
}

func listField(m map[string]any, name string) ([]map[string]any, error) {
	v, ok := field(m, name)
	if !ok {
		return nil, fmt.Errorf("missing %s", name)
	}
	list, ok := v.([]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("%s is %T, want an array", name, v)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		switch e := e.(type) {
		case map[string]any:
			out[i] = e
		case map[any]any:
			mm := make(map[string]any, len(e))
			for k, v := range e {
				ks, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("%s[%d] has a key of type %T", name, i, k)
				}
				mm[ks] = v
			}
			out[i] = mm
		default:
			return nil, fmt.Errorf("%s[%d] is %T, want a map", name, i, e)
		}
	}
	return out, nil
}

// columnValue normalises a decoded value to the types a read from the SDK
// yields: string, int64, bool, float64 or []byte.
func columnValue(v any) (any, error) {
	switch v := v.(type) {
	case string, int64, bool, float64, []byte:
		return v, nil
	case uint64:
		if v > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d out of range", v)
		}
		return int64(v), nil
	case float32:
		return float64(v), nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("bad number %s", v)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

func decodeRecord(m map[string]any) (todo.UserChange, error) {
	typ, err := stringField(m, "Type")
	if err != nil {
		return todo.UserChange{}, err
	}
	switch typ {
	case "PutRow", "DeleteRow":
	case "UpdateRow":
		return todo.UserChange{}, errors.New("an UpdateRow record holds only the changed columns, not a whole user (users are written with PutRow)")
	default:
		return todo.UserChange{}, fmt.Errorf("unknown Type %q", typ)
	}
	pks, err := listField(m, "PrimaryKey")
	if err != nil {
		return todo.UserChange{}, err
	}
	if len(pks) != 1 {
		return todo.UserChange{}, fmt.Errorf("not a users record: %d primary key columns, want one (email)", len(pks))
	}
	name, err := stringField(pks[0], "ColumnName")
	if err != nil {
		return todo.UserChange{}, fmt.Errorf("PrimaryKey[0]: %w", err)
	}
	if name != "email" {
		return todo.UserChange{}, fmt.Errorf("not a users record: primary key column %q, want email", name)
	}
	email, err := stringField(pks[0], "Value")
	if err != nil || email == "" {
		return todo.UserChange{}, errors.New("not a users record: the email key is not a non-empty string")
	}
	if typ == "DeleteRow" {
		return todo.UserChange{}, nil
	}
	list, err := listField(m, "Columns")
	if err != nil {
		return todo.UserChange{}, err
	}
	cols := map[string]any{}
	for i, c := range list {
		// Errors name the column by the payload's own field, capitalised as
		// it is there (like PrimaryKey[0] above).
		at := fmt.Sprintf("Columns[%d]", i)
		name, err := stringField(c, "ColumnName")
		if err != nil {
			return todo.UserChange{}, fmt.Errorf("%s: %w", at, err)
		}
		at = fmt.Sprintf("%s (%s)", at, name)
		op, err := stringField(c, "Type")
		if err != nil {
			return todo.UserChange{}, fmt.Errorf("%s: %w", at, err)
		}
		switch op {
		case "Put":
			raw, ok := field(c, "Value")
			if !ok {
				return todo.UserChange{}, fmt.Errorf("%s: missing Value", at)
			}
			v, err := columnValue(raw)
			if err != nil {
				return todo.UserChange{}, fmt.Errorf("%s: %w", at, err)
			}
			cols[name] = v
		case "DeleteOneVersion", "DeleteAllVersions":
			delete(cols, name)
		default:
			return todo.UserChange{}, fmt.Errorf("%s: unknown Type %q", at, op)
		}
	}
	u, err := tablestore.UserFromColumns(email, cols)
	if err != nil {
		return todo.UserChange{}, fmt.Errorf("user %s: %w", email, err)
	}
	return todo.UserChange{New: u}, nil
}
