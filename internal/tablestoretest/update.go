package tablestoretest

import (
	"math"
	"net/http"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
)

// UpdateRow, as the service documents it
// (https://help.aliyun.com/en/tablestore/developer-reference/updaterow and,
// for increments, https://help.aliyun.com/en/tablestore/developer-reference/go-atomic-counters):
// the row change names attribute columns with an update type each (a value:
// PUT; no value and a timestamp: DELETE of that version; neither:
// DELETE_ALL; an integer with the INCREMENT type: an atomic counter, a
// missing column counting as 0). Columns the change does not name stay as
// they are. The condition is checked against the row as stored and the
// whole change applied in one step, or nothing is. A missing row is
// created, unless the change only deletes; deleting every column of a row
// leaves the row. EXPECT_NOT_EXIST is refused, as the service refuses it.
// With return type RT_AFTER_MODIFY the answer holds the named columns as
// they are after the change (the counters' new values).

// Update types of a row change's cells (the SDK's plain_buffer.go).
const (
	opDeleteAll = 0x1
	opDelete    = 0x3
	opIncrement = 0x4
)

func (s *Server) updateRow(t *table, req *otsprotocol.UpdateRowRequest) (message, *Error) {
	in, err := decodeRow(req.GetRowChange())
	if err != nil {
		return nil, invalid("Invalid row change: %v.", err)
	}
	if in.delete {
		return nil, invalid("UpdateRow does not take a delete marker.")
	}
	pk, e := t.primaryKey(in.pk, false)
	if e != nil {
		return nil, e
	}
	if len(in.cells) == 0 {
		return nil, invalid("The row change has no attribute column.")
	}
	if len(in.cells) > maxColumns {
		return nil, errorf(http.StatusBadRequest, "OTSOutOfColumnCountLimit", "The number of columns from the request exceeds the limit.")
	}
	if req.GetCondition().GetRowExistence() == otsprotocol.RowExistenceExpectation_EXPECT_NOT_EXIST {
		return nil, invalid("Invalid condition: EXPECT_NOT_EXIST while updating row.")
	}
	if e := t.checkUpdateCells(in.cells); e != nil {
		return nil, e
	}
	key := rowKey(pk)
	old := t.visible(t.rows[key], s.now().UnixMilli())
	if e := checkCondition(req.GetCondition(), old); e != nil {
		return nil, e
	}
	nr := &storedRow{pk: pk, cols: map[string]storedCell{}}
	if old != nil {
		for n, c := range old.cols {
			nr.cols[n] = c
		}
	}
	now := s.now().UnixMilli()
	writes := false
	var changed []cell
	for _, c := range in.cells {
		switch {
		case !c.hasOp: // PUT
			writes = true
			ts := now
			if c.hasTS {
				ts = c.ts
			}
			if cur, ok := nr.cols[c.name]; !ok || ts >= cur.ts {
				nr.cols[c.name] = storedCell{val: *c.val, ts: ts}
			}
			changed = append(changed, cell{name: c.name, val: c.val, ts: ts, hasTS: true})
		case c.op == opDeleteAll:
			delete(nr.cols, c.name)
			changed = append(changed, c)
		case c.op == opDelete:
			if cur, ok := nr.cols[c.name]; ok && cur.ts == c.ts {
				delete(nr.cols, c.name)
			}
			changed = append(changed, c)
		case c.op == opIncrement:
			writes = true
			var sum int64
			if cur, ok := nr.cols[c.name]; ok {
				if cur.val.typ != vtInteger {
					return nil, invalid("The column '%s' of the atomic counter is not an INTEGER column.", c.name)
				}
				if (c.val.i > 0 && cur.val.i > math.MaxInt64-c.val.i) || (c.val.i < 0 && cur.val.i < math.MinInt64-c.val.i) {
					return nil, invalid("The atomic counter of column '%s' overflows.", c.name)
				}
				sum = cur.val.i
			}
			v := value{typ: vtInteger, i: sum + c.val.i}
			nr.cols[c.name] = storedCell{val: v, ts: now}
			changed = append(changed, cell{name: c.name, val: &v, ts: now, hasTS: true})
		}
	}
	if old != nil || writes {
		t.rows[key] = nr
		if t.stream {
			s.recordUpdate(t, t.pkCells(pk), changed)
		}
	}
	resp := &otsprotocol.UpdateRowResponse{Consumed: consumed(0, 1)}
	switch req.GetReturnContent().GetReturnType() {
	case otsprotocol.ReturnType_RT_PK:
		resp.Row = encodeRows([]row{{pk: t.pkCells(pk)}})
	case otsprotocol.ReturnType_RT_AFTER_MODIFY:
		out := row{pk: t.pkCells(pk)}
		for _, n := range req.GetReturnContent().GetReturnColumnNames() {
			if c, ok := nr.cols[n]; ok {
				v := c.val
				out.cells = append(out.cells, cell{name: n, val: &v, ts: c.ts, hasTS: true})
			}
		}
		resp.Row = encodeRows([]row{out})
	}
	return resp, nil
}

// checkUpdateCells checks each cell of a row change against its update
// type, and that a counter's column is named once.
func (t *table) checkUpdateCells(cells []cell) *Error {
	seen := map[string]int{}
	counters := map[string]bool{}
	for _, c := range cells {
		if c.name == "" || len(c.name) > maxColumnName {
			return invalid("Invalid column name: '%s'.", c.name)
		}
		if contains(pkNames(t.schema), c.name) {
			return invalid("Attribute column '%s' has the name of a primary key column.", c.name)
		}
		seen[c.name]++
		switch {
		case !c.hasOp:
			if c.val == nil {
				return invalid("The column '%s' to put has no value.", c.name)
			}
			switch c.val.typ {
			case vtInteger, vtDouble, vtBoolean, vtString, vtBlob:
			default:
				return invalid("Invalid value type of column '%s'.", c.name)
			}
		case c.op == opDeleteAll:
			if c.val != nil || c.hasTS {
				return invalid("The column '%s' to delete with all its versions takes neither a value nor a timestamp.", c.name)
			}
		case c.op == opDelete:
			if c.val != nil || !c.hasTS {
				return invalid("The version of column '%s' to delete takes a timestamp and no value.", c.name)
			}
		case c.op == opIncrement:
			if c.val == nil || c.val.typ != vtInteger || c.hasTS {
				return invalid("The atomic counter of column '%s' takes an INTEGER value and no timestamp.", c.name)
			}
			counters[c.name] = true
		default:
			return invalid("Invalid update type of column '%s'.", c.name)
		}
	}
	for n := range counters {
		if seen[n] > 1 {
			return invalid("The column '%s' of an atomic counter is updated more than once.", n)
		}
	}
	return nil
}

// recordUpdate records an UpdateRow on a table with a stream: the changed
// columns only, as the service's stream does (Put with the value written,
// an increment's new value included; DeleteOneVersion; DeleteAllVersions).
func (s *Server) recordUpdate(t *table, pk []cell, cells []cell) {
	c := Change{Type: "UpdateRow", Info: ChangeInfo{Timestamp: s.now().UnixMicro()}}
	for _, k := range pk {
		c.PrimaryKey = append(c.PrimaryKey, KeyColumn{ColumnName: k.name, Value: goValue(*k.val)})
	}
	for _, col := range cells {
		cc := ColumnChange{Type: "Put", ColumnName: col.name, Timestamp: col.ts}
		switch {
		case col.hasOp && col.op == opDeleteAll:
			cc.Type, cc.Timestamp = "DeleteAllVersions", 0
		case col.hasOp && col.op == opDelete:
			cc.Type = "DeleteOneVersion"
		default:
			cc.Value = goValue(*col.val)
		}
		c.Columns = append(c.Columns, cc)
	}
	t.changes = append(t.changes, c)
}
