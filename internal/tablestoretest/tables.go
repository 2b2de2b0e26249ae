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

// decodePK decodes the plainbuffer row b, a request's primary key that its
// errors call what, and checks the key against the schema (see primaryKey).
func (t *table) decodePK(b []byte, what string, allowInf bool) ([]value, *Error) {
	in, err := decodeRow(b)
	if err != nil {
		return nil, invalid("Invalid %s: %v.", what, err)
	}
	return t.primaryKey(in.pk, allowInf)
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
// visible returns r as reads and conditions see it at now (epoch ms): the
// cells older than the table's time to live left out, and nil when no
// cell is left. Tablestore expires data by the version (timestamp) of each
// cell, so a write refreshes only the cells it writes, and a row whose
// cells have all expired reads as absent before compaction removes it
// ("Data versions and TTL", https://help.aliyun.com/en/tablestore/data-versions-and-ttl:
// a version expires once now minus its timestamp exceeds the TTL).
func (t *table) visible(r *storedRow, now int64) *storedRow {
	if r == nil || t.ttl <= 0 || len(r.cols) == 0 {
		return r
	}
	cutoff := now - int64(t.ttl)*1000
	v := &storedRow{pk: r.pk, cols: make(map[string]storedCell, len(r.cols))}
	for n, c := range r.cols {
		if c.ts >= cutoff {
			v.cols[n] = c
		}
	}
	if len(v.cols) == 0 {
		return nil
	}
	return v
}

// project returns the row a read with columns_to_get want returns, and
// false when the service returns none: a want that names only attribute
// columns the row lacks yields an empty row (GetRow) or no row (GetRange),
// not the bare primary key.
func (t *table) project(r *storedRow, want []string) (row, bool) {
	out := t.plain(r, want)
	if len(want) == 0 || len(out.cells) > 0 {
		return out, true
	}
	for _, n := range pkNames(t.schema) {
		if contains(want, n) {
			return out, true
		}
	}
	return row{}, false
}

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

func pkNames(schema []*otsprotocol.PrimaryKeySchema) []string {
	names := make([]string, len(schema))
	for i, s := range schema {
		names[i] = s.GetName()
	}
	return names
}
