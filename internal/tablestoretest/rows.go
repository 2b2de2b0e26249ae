package tablestoretest

import (
	"net/http"
	"sort"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
)

// The row actions: PutRow, DeleteRow, GetRow and GetRange.

func (s *Server) putRow(t *table, req *otsprotocol.PutRowRequest) (message, *Error) {
	in, err := decodeRow(req.GetRow())
	if err != nil {
		return nil, invalid("Invalid row: %v.", err)
	}
	if in.delete {
		return nil, invalid("PutRow does not take a delete marker.")
	}
	pk, e := t.primaryKey(in.pk, false)
	if e != nil {
		return nil, e
	}
	if len(in.cells) > maxColumns {
		return nil, errorf(http.StatusBadRequest, "OTSOutOfColumnCountLimit", "The number of columns from the request exceeds the limit.")
	}
	now := s.now().UnixMilli()
	nr := &storedRow{pk: pk, cols: map[string]storedCell{}}
	for _, c := range in.cells {
		if c.name == "" || len(c.name) > maxColumnName {
			return nil, invalid("Invalid column name: '%s'.", c.name)
		}
		if c.val == nil || c.hasOp {
			return nil, invalid("PutRow takes only column values; column '%s' has none.", c.name)
		}
		switch c.val.typ {
		case vtInteger, vtDouble, vtBoolean, vtString, vtBlob:
		default:
			return nil, invalid("Invalid value type of column '%s'.", c.name)
		}
		if contains(pkNames(t.schema), c.name) {
			return nil, invalid("Attribute column '%s' has the name of a primary key column.", c.name)
		}
		ts := now
		if c.hasTS {
			ts = c.ts
		}
		if old, ok := nr.cols[c.name]; !ok || ts >= old.ts {
			nr.cols[c.name] = storedCell{val: *c.val, ts: ts}
		}
	}
	key := rowKey(pk)
	if e := checkCondition(req.GetCondition(), t.visible(t.rows[key], now)); e != nil {
		return nil, e
	}
	t.rows[key] = nr
	if t.stream {
		s.record(t, "PutRow", t.plain(nr, nil))
	}
	resp := &otsprotocol.PutRowResponse{Consumed: consumed(0, 1)}
	if req.GetReturnContent().GetReturnType() == otsprotocol.ReturnType_RT_PK {
		resp.Row = encodeRows([]row{{pk: t.pkCells(pk)}})
	}
	return resp, nil
}

func (s *Server) deleteRow(t *table, req *otsprotocol.DeleteRowRequest) (message, *Error) {
	pk, e := t.decodePK(req.GetPrimaryKey(), "primary key", false)
	if e != nil {
		return nil, e
	}
	key := rowKey(pk)
	if e := checkCondition(req.GetCondition(), t.visible(t.rows[key], s.now().UnixMilli())); e != nil {
		return nil, e
	}
	delete(t.rows, key)
	if t.stream {
		s.record(t, "DeleteRow", row{pk: t.pkCells(pk)})
	}
	return &otsprotocol.DeleteRowResponse{Consumed: consumed(0, 1)}, nil
}

func (t *table) getRow(req *otsprotocol.GetRowRequest, now int64) (message, *Error) {
	if req.MaxVersions == nil && req.TimeRange == nil {
		return nil, invalid("Neither max_versions nor time_range is set.")
	}
	if req.MaxVersions != nil && req.GetMaxVersions() < 1 {
		return nil, invalid("max_versions must be at least 1.")
	}
	pk, e := t.decodePK(req.GetPrimaryKey(), "primary key", false)
	if e != nil {
		return nil, e
	}
	resp := &otsprotocol.GetRowResponse{Consumed: consumed(1, 0), Row: []byte{}}
	r := t.visible(t.rows[rowKey(pk)], now)
	if r == nil {
		return resp, nil
	}
	ok, e := evalFilterBytes(req.GetFilter(), r)
	if e != nil {
		return nil, e
	}
	if !ok {
		return resp, nil
	}
	if out, ok := t.project(r, req.GetColumnsToGet()); ok {
		resp.Row = encodeRows([]row{out})
	}
	return resp, nil
}

func (t *table) getRange(req *otsprotocol.GetRangeRequest, pageLimit int, now int64) (message, *Error) {
	if req.MaxVersions == nil && req.TimeRange == nil {
		return nil, invalid("Neither max_versions nor time_range is set.")
	}
	startRow, err := decodeRow(req.GetInclusiveStartPrimaryKey())
	if err != nil {
		return nil, invalid("Invalid start primary key: %v.", err)
	}
	endRow, err := decodeRow(req.GetExclusiveEndPrimaryKey())
	if err != nil {
		return nil, invalid("Invalid end primary key: %v.", err)
	}
	start, e := t.primaryKey(startRow.pk, true)
	if e != nil {
		return nil, e
	}
	end, e := t.primaryKey(endRow.pk, true)
	if e != nil {
		return nil, e
	}
	backward := req.GetDirection() == otsprotocol.Direction_BACKWARD
	switch c := comparePK(start, end); {
	case !backward && c >= 0:
		return nil, invalid("Begin key must less than end key in FORWARD.")
	case backward && c <= 0:
		return nil, invalid("Begin key must more than end key in BACKWARD.")
	}
	limit := maxRangeRows
	if req.Limit != nil {
		if req.GetLimit() <= 0 {
			return nil, invalid("The limit must be greater than 0.")
		}
		limit = min(limit, int(req.GetLimit()))
	}
	if pageLimit > 0 {
		limit = min(limit, pageLimit)
	}

	var inRange []*storedRow
	for _, r := range t.rows {
		if r = t.visible(r, now); r == nil {
			continue
		}
		if backward {
			if comparePK(r.pk, start) <= 0 && comparePK(r.pk, end) > 0 {
				inRange = append(inRange, r)
			}
		} else if comparePK(r.pk, start) >= 0 && comparePK(r.pk, end) < 0 {
			inRange = append(inRange, r)
		}
	}
	sort.Slice(inRange, func(i, j int) bool {
		c := comparePK(inRange[i].pk, inRange[j].pk)
		if backward {
			return c > 0
		}
		return c < 0
	})

	resp := &otsprotocol.GetRangeResponse{Consumed: consumed(1, 0), Rows: []byte{}}
	var out []row
	for i, r := range inRange {
		if len(out) == limit {
			resp.NextStartPrimaryKey = encodeRows([]row{{pk: t.pkCells(inRange[i].pk)}})
			break
		}
		ok, e := evalFilterBytes(req.GetFilter(), r)
		if e != nil {
			return nil, e
		}
		if !ok {
			continue
		}
		if p, ok := t.project(r, req.GetColumnsToGet()); ok {
			out = append(out, p)
		}
	}
	if len(out) > 0 {
		resp.Rows = encodeRows(out)
	}
	return resp, nil
}
