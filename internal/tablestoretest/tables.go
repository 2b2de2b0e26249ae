package tablestoretest

import (
	"bytes"
	"net/http"
	"regexp"
	"sort"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	"google.golang.org/protobuf/proto"
)

// Service limits the double enforces, as Tablestore documents them.
const (
	maxPKColumns     = 4
	maxPKStringBytes = 1024
	maxColumnName    = 255
	maxColumns       = 1024
	maxRangeRows     = 5000
)

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,254}$`)

type table struct {
	name        string
	schema      []*otsprotocol.PrimaryKeySchema
	readCU      int32
	writeCU     int32
	ttl         int32
	maxVersions int32
	deviation   int64
	createdAt   int64 // seconds
	stream      bool
	streamHours int32
	streamID    string
	streamSince int64 // microseconds
	rows        map[string]*storedRow
	changes     []Change
}

type storedRow struct {
	pk   []value
	cols map[string]storedCell
}

type storedCell struct {
	val value
	ts  int64 // milliseconds, the cell's version
}

func (s *Server) createTable(tables map[string]*table, req *otsprotocol.CreateTableRequest) (message, *Error) {
	meta := req.GetTableMeta()
	name := meta.GetTableName()
	if !tableName.MatchString(name) {
		return nil, invalid("Invalid table name: '%s'.", name)
	}
	pks := meta.GetPrimaryKey()
	if len(pks) == 0 || len(pks) > maxPKColumns {
		return nil, invalid("The number of primary key columns must be in range: [1, %d].", maxPKColumns)
	}
	seen := map[string]bool{}
	for _, pk := range pks {
		if pk.GetName() == "" || len(pk.GetName()) > maxColumnName || seen[pk.GetName()] {
			return nil, invalid("Invalid primary key name: '%s'.", pk.GetName())
		}
		seen[pk.GetName()] = true
		if pk.Option != nil {
			return nil, invalid("Auto-increment primary keys are not supported by this double.")
		}
		switch pk.GetType() {
		case otsprotocol.PrimaryKeyType_INTEGER, otsprotocol.PrimaryKeyType_STRING, otsprotocol.PrimaryKeyType_BINARY:
		default:
			return nil, invalid("Invalid primary key type.")
		}
	}
	t := &table{
		name:        name,
		schema:      pks,
		readCU:      req.GetReservedThroughput().GetCapacityUnit().GetRead(),
		writeCU:     req.GetReservedThroughput().GetCapacityUnit().GetWrite(),
		ttl:         -1,
		maxVersions: 1,
		deviation:   86400,
		createdAt:   s.now().Unix(),
		rows:        map[string]*storedRow{},
	}
	if o := req.GetTableOptions(); o != nil {
		if o.TimeToLive != nil {
			t.ttl = o.GetTimeToLive()
		}
		if o.MaxVersions != nil {
			t.maxVersions = o.GetMaxVersions()
		}
		if o.DeviationCellVersionInSec != nil {
			t.deviation = o.GetDeviationCellVersionInSec()
		}
	}
	if t.ttl != -1 && t.ttl < 86400 {
		return nil, invalid("Time to live must be -1 or at least 86400 seconds.")
	}
	if t.maxVersions < 1 {
		return nil, invalid("Max versions must be at least 1.")
	}
	if sp := req.GetStreamSpec(); sp.GetEnableStream() {
		if h := sp.GetExpirationTime(); h < 1 || h > 168 {
			return nil, invalid("Stream expiration time must be in range: [1, 168].")
		}
		t.stream, t.streamHours = true, sp.GetExpirationTime()
		t.streamSince = s.now().UnixMicro()
		t.streamID = newRequestID()
	}
	if tables[name] != nil {
		return nil, errorf(http.StatusConflict, CodeObjectAlreadyExist, "Requested table already exists.")
	}
	tables[name] = t
	return &otsprotocol.CreateTableResponse{}, nil
}

func (t *table) describe() *otsprotocol.DescribeTableResponse {
	d := &otsprotocol.DescribeTableResponse{
		TableMeta: &otsprotocol.TableMeta{TableName: proto.String(t.name), PrimaryKey: t.schema},
		ReservedThroughputDetails: &otsprotocol.ReservedThroughputDetails{
			CapacityUnit:     &otsprotocol.CapacityUnit{Read: proto.Int32(t.readCU), Write: proto.Int32(t.writeCU)},
			LastIncreaseTime: proto.Int64(t.createdAt),
		},
		TableOptions: &otsprotocol.TableOptions{
			TimeToLive:                proto.Int32(t.ttl),
			MaxVersions:               proto.Int32(t.maxVersions),
			DeviationCellVersionInSec: proto.Int64(t.deviation),
		},
		TableStatus:   otsprotocol.TableStatus_ACTIVE.Enum(),
		StreamDetails: &otsprotocol.StreamDetails{EnableStream: proto.Bool(false)},
	}
	if t.stream {
		d.StreamDetails = &otsprotocol.StreamDetails{
			EnableStream:   proto.Bool(true),
			StreamId:       proto.String(t.streamID),
			ExpirationTime: proto.Int32(t.streamHours),
			LastEnableTime: proto.Int64(t.streamSince),
		}
	}
	return d
}

// primaryKey checks cells against the schema and returns the key's values.
// allowInf admits INF_MIN and INF_MAX, as range boundaries may use them.
func (t *table) primaryKey(cells []cell, allowInf bool) ([]value, *Error) {
	if len(cells) != len(t.schema) {
		return nil, invalid("The number of primary key columns does not match the table's schema.")
	}
	pk := make([]value, len(cells))
	for i, c := range cells {
		sc := t.schema[i]
		if c.name != sc.GetName() {
			return nil, invalid("Validate PK name fail. Input: %s, Meta: %s.", c.name, sc.GetName())
		}
		if c.val == nil {
			return nil, invalid("The primary key column '%s' has no value.", c.name)
		}
		v := *c.val
		switch {
		case allowInf && (v.typ == vtInfMin || v.typ == vtInfMax):
		case sc.GetType() == otsprotocol.PrimaryKeyType_INTEGER && v.typ == vtInteger,
			sc.GetType() == otsprotocol.PrimaryKeyType_STRING && v.typ == vtString,
			sc.GetType() == otsprotocol.PrimaryKeyType_BINARY && v.typ == vtBlob:
			if len(v.s) > maxPKStringBytes {
				return nil, invalid("The length of primary key column: '%s' exceeded the MaxLength:%d with CurrentLength:%d.", c.name, maxPKStringBytes, len(v.s))
			}
		default:
			return nil, invalid("Validate PK type fail. Input: %s, Meta: %s.", v, sc.GetType())
		}
		pk[i] = v
	}
	return pk, nil
}

func rowKey(pk []value) string {
	var b bytes.Buffer
	for _, v := range pk {
		body := v.bytes()
		b.WriteByte(byte(len(body) >> 24))
		b.WriteByte(byte(len(body) >> 16))
		b.WriteByte(byte(len(body) >> 8))
		b.WriteByte(byte(len(body)))
		b.Write(body)
	}
	return b.String()
}

// compareValues orders primary-key values of one column: INF_MIN first,
// INF_MAX last, integers by number, strings and blobs by bytes.
func compareValues(a, b value) int {
	rank := func(v value) int {
		switch v.typ {
		case vtInfMin:
			return -1
		case vtInfMax:
			return 1
		}
		return 0
	}
	if ra, rb := rank(a), rank(b); ra != 0 || rb != 0 {
		return ra - rb
	}
	if a.typ == vtInteger {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	return bytes.Compare(a.s, b.s)
}

func comparePK(a, b []value) int {
	for i := range a {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func (t *table) pkCells(pk []value) []cell {
	cells := make([]cell, len(pk))
	for i, v := range pk {
		v := v
		cells[i] = cell{name: t.schema[i].GetName(), val: &v}
	}
	return cells
}

// plain returns the row for a response: its key and the wanted columns
// (all when want is empty), sorted by name, each with its version.
func (t *table) plain(r *storedRow, want []string) row {
	out := row{pk: t.pkCells(r.pk)}
	names := make([]string, 0, len(r.cols))
	for n := range r.cols {
		if len(want) == 0 || contains(want, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c := r.cols[n]
		v := c.val
		out.cells = append(out.cells, cell{name: n, val: &v, ts: c.ts, hasTS: true})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

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
	if e := checkCondition(req.GetCondition(), t.rows[key]); e != nil {
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

func pkNames(schema []*otsprotocol.PrimaryKeySchema) []string {
	names := make([]string, len(schema))
	for i, s := range schema {
		names[i] = s.GetName()
	}
	return names
}

func (s *Server) deleteRow(t *table, req *otsprotocol.DeleteRowRequest) (message, *Error) {
	in, err := decodeRow(req.GetPrimaryKey())
	if err != nil {
		return nil, invalid("Invalid primary key: %v.", err)
	}
	pk, e := t.primaryKey(in.pk, false)
	if e != nil {
		return nil, e
	}
	key := rowKey(pk)
	if e := checkCondition(req.GetCondition(), t.rows[key]); e != nil {
		return nil, e
	}
	delete(t.rows, key)
	if t.stream {
		s.record(t, "DeleteRow", row{pk: t.pkCells(pk)})
	}
	return &otsprotocol.DeleteRowResponse{Consumed: consumed(0, 1)}, nil
}

func (t *table) getRow(req *otsprotocol.GetRowRequest) (message, *Error) {
	if req.MaxVersions == nil && req.TimeRange == nil {
		return nil, invalid("Neither max_versions nor time_range is set.")
	}
	if req.MaxVersions != nil && req.GetMaxVersions() < 1 {
		return nil, invalid("max_versions must be at least 1.")
	}
	in, err := decodeRow(req.GetPrimaryKey())
	if err != nil {
		return nil, invalid("Invalid primary key: %v.", err)
	}
	pk, e := t.primaryKey(in.pk, false)
	if e != nil {
		return nil, e
	}
	resp := &otsprotocol.GetRowResponse{Consumed: consumed(1, 0), Row: []byte{}}
	r := t.rows[rowKey(pk)]
	if r == nil {
		return resp, nil
	}
	if f := req.GetFilter(); len(f) > 0 {
		ok, e := evalFilterBytes(f, r)
		if e != nil {
			return nil, e
		}
		if !ok {
			return resp, nil
		}
	}
	resp.Row = encodeRows([]row{t.plain(r, req.GetColumnsToGet())})
	return resp, nil
}

func (t *table) getRange(req *otsprotocol.GetRangeRequest, pageLimit int) (message, *Error) {
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
		if f := req.GetFilter(); len(f) > 0 {
			ok, e := evalFilterBytes(f, r)
			if e != nil {
				return nil, e
			}
			if !ok {
				continue
			}
		}
		out = append(out, t.plain(r, req.GetColumnsToGet()))
	}
	if len(out) > 0 {
		resp.Rows = encodeRows(out)
	}
	return resp, nil
}

// checkCondition applies a write's condition to the row as stored (nil
// when absent): first the row existence expectation, then the column
// condition, which sees an absent row as one without columns.
func checkCondition(c *otsprotocol.Condition, existing *storedRow) *Error {
	if c == nil {
		return invalid("The condition is missing.")
	}
	switch c.GetRowExistence() {
	case otsprotocol.RowExistenceExpectation_IGNORE:
	case otsprotocol.RowExistenceExpectation_EXPECT_EXIST:
		if existing == nil {
			return errConditionFailed
		}
	case otsprotocol.RowExistenceExpectation_EXPECT_NOT_EXIST:
		if existing != nil {
			return errConditionFailed
		}
	default:
		return invalid("Invalid row existence expectation.")
	}
	if len(c.GetColumnCondition()) == 0 {
		return nil
	}
	ok, e := evalFilterBytes(c.GetColumnCondition(), existing)
	if e != nil {
		return e
	}
	if !ok {
		return errConditionFailed
	}
	return nil
}

func evalFilterBytes(b []byte, r *storedRow) (bool, *Error) {
	f := new(otsprotocol.Filter)
	if err := unmarshal(b, f); err != nil {
		return false, invalid("Invalid filter: %v.", err)
	}
	return evalFilter(f, r)
}

// evalFilter reports whether the row passes the filter. A single column
// condition on a missing column passes unless filter_if_missing is set;
// a value of another type than the column's never passes.
func evalFilter(f *otsprotocol.Filter, r *storedRow) (bool, *Error) {
	switch f.GetType() {
	case otsprotocol.FilterType_FT_SINGLE_COLUMN_VALUE:
		sf := new(otsprotocol.SingleColumnValueFilter)
		if err := unmarshal(f.GetFilter(), sf); err != nil {
			return false, invalid("Invalid single column value filter: %v.", err)
		}
		if sf.ValueTransRule != nil {
			return false, invalid("Value transfer rules are not supported by this double.")
		}
		want, err := decodeValue(sf.GetColumnValue(), true)
		if err != nil {
			return false, invalid("Invalid column value in filter: %v.", err)
		}
		switch want.typ {
		case vtInteger, vtDouble, vtBoolean, vtString, vtBlob:
		default:
			return false, invalid("Invalid value type in filter.")
		}
		var got storedCell
		var ok bool
		if r != nil {
			got, ok = r.cols[sf.GetColumnName()]
		}
		if !ok {
			return !sf.GetFilterIfMissing(), nil
		}
		if got.val.typ != want.typ {
			return false, nil
		}
		c := compareCell(got.val, want)
		switch sf.GetComparator() {
		case otsprotocol.ComparatorType_CT_EQUAL:
			return c == 0, nil
		case otsprotocol.ComparatorType_CT_NOT_EQUAL:
			return c != 0, nil
		case otsprotocol.ComparatorType_CT_GREATER_THAN:
			return c > 0, nil
		case otsprotocol.ComparatorType_CT_GREATER_EQUAL:
			return c >= 0, nil
		case otsprotocol.ComparatorType_CT_LESS_THAN:
			return c < 0, nil
		case otsprotocol.ComparatorType_CT_LESS_EQUAL:
			return c <= 0, nil
		}
		return false, invalid("Invalid comparator.")
	case otsprotocol.FilterType_FT_COMPOSITE_COLUMN_VALUE:
		cf := new(otsprotocol.CompositeColumnValueFilter)
		if err := unmarshal(f.GetFilter(), cf); err != nil {
			return false, invalid("Invalid composite column value filter: %v.", err)
		}
		subs := cf.GetSubFilters()
		switch cf.GetCombinator() {
		case otsprotocol.LogicalOperator_LO_NOT:
			if len(subs) != 1 {
				return false, invalid("LO_NOT takes exactly one sub filter.")
			}
			ok, e := evalFilter(subs[0], r)
			return !ok && e == nil, e
		case otsprotocol.LogicalOperator_LO_AND, otsprotocol.LogicalOperator_LO_OR:
			if len(subs) < 2 {
				return false, invalid("LO_AND and LO_OR take at least two sub filters.")
			}
			and := cf.GetCombinator() == otsprotocol.LogicalOperator_LO_AND
			for _, sub := range subs {
				ok, e := evalFilter(sub, r)
				if e != nil {
					return false, e
				}
				if and && !ok {
					return false, nil
				}
				if !and && ok {
					return true, nil
				}
			}
			return and, nil
		}
		return false, invalid("Invalid logical operator.")
	}
	return false, invalid("This filter type is not supported in a condition by this double.")
}

func compareCell(a, b value) int {
	switch a.typ {
	case vtInteger:
		return cmp3(a.i < b.i, a.i > b.i)
	case vtDouble:
		return cmp3(a.f < b.f, a.f > b.f)
	case vtBoolean:
		return cmp3(!a.b && b.b, a.b && !b.b)
	}
	return bytes.Compare(a.s, b.s)
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}
