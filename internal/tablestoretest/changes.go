package tablestoretest

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Change is one record of a table's stream, in the layout the Function
// Compute Tablestore trigger delivers (one element of "Records"). The
// double records every PutRow, UpdateRow and DeleteRow on a table created
// with the stream enabled. Like the service's stream, a record carries no
// old image: a PutRow record holds every column of the row as written, an
// UpdateRow record the columns it changed, a DeleteRow record none.
type Change struct {
	Type       string // "PutRow", "UpdateRow" or "DeleteRow"
	Info       ChangeInfo
	PrimaryKey []KeyColumn
	Columns    []ColumnChange // nil for DeleteRow
}

// ChangeInfo holds a record's time.
type ChangeInfo struct {
	Timestamp int64 // when the row was written, in microseconds since 1970 (UTC)
}

// KeyColumn is one primary-key column of a record.
type KeyColumn struct {
	ColumnName string
	Value      any // int64, string or []byte
}

// ColumnChange is one attribute column of a record.
type ColumnChange struct {
	Type       string // "Put", or for UpdateRow also "DeleteOneVersion" or "DeleteAllVersions"
	ColumnName string
	Value      any   // int64, float64, bool, string or []byte; nil for a delete
	Timestamp  int64 // the cell's version, in milliseconds since 1970 (0 for DeleteAllVersions)
}

// trigger is the payload the Tablestore trigger hands to a function.
type trigger struct {
	Version string
	Records []Change
}

func (s *Server) record(t *table, typ string, r row) {
	c := Change{Type: typ, Info: ChangeInfo{Timestamp: s.now().UnixMicro()}}
	for _, k := range r.pk {
		c.PrimaryKey = append(c.PrimaryKey, KeyColumn{ColumnName: k.name, Value: goValue(*k.val)})
	}
	for _, col := range r.cells {
		c.Columns = append(c.Columns, ColumnChange{Type: "Put", ColumnName: col.name, Value: goValue(*col.val), Timestamp: col.ts})
	}
	t.changes = append(t.changes, c)
}

func goValue(v value) any {
	switch v.typ {
	case vtInteger:
		return v.i
	case vtDouble:
		return v.f
	case vtBoolean:
		return v.b
	case vtString:
		return string(v.s)
	}
	return append([]byte(nil), v.s...)
}

// Changes returns the stream records of a table of an instance, oldest
// first, from index from on (0 for all). It returns nil for a table
// without a stream or that does not exist.
func (s *Server) Changes(instance, table string, from int) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.instances[instance][table]
	if t == nil || from >= len(t.changes) {
		return nil
	}
	return append([]Change(nil), t.changes[max(from, 0):]...)
}

// TriggerPayload encodes changes as the Tablestore trigger's CBOR event:
// {"Version": "Sync-v1", "Records": [...]}.
func TriggerPayload(changes []Change) ([]byte, error) {
	b, err := cbor.Marshal(trigger{Version: "Sync-v1", Records: changes})
	if err != nil {
		return nil, fmt.Errorf("tablestoretest: encode trigger payload: %w", err)
	}
	return b, nil
}
