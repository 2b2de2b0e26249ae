package tablestoretest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	"google.golang.org/protobuf/proto"
)

func newClient(tb testing.TB) (*Server, *ots.TableStoreClient) {
	tb.Helper()
	srv := NewServer()
	tb.Cleanup(srv.Close)
	c := ots.NewClient(srv.URL(), "inst", "id", "secret")
	meta := &ots.TableMeta{TableName: "t"}
	meta.AddPrimaryKeyColumn("gid", ots.PrimaryKeyType_INTEGER)
	meta.AddPrimaryKeyColumn("uid", ots.PrimaryKeyType_STRING)
	if _, err := c.CreateTable(&ots.CreateTableRequest{TableMeta: meta, TableOption: &ots.TableOption{TimeToAlive: -1, MaxVersion: 1},
		ReservedThroughput: &ots.ReservedThroughput{}}); err != nil {
		tb.Fatal(err)
	}
	return srv, c
}

func key(gid int64, uid string) *ots.PrimaryKey {
	pk := new(ots.PrimaryKey)
	pk.AddPrimaryKeyColumn("gid", gid)
	pk.AddPrimaryKeyColumn("uid", uid)
	return pk
}

func errCode(err error) string {
	if e, ok := err.(*ots.OtsError); ok {
		return e.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// TestConditions checks row existence and column conditions as the
// service's own API tests state them (index = 0 stored, addr missing).
func TestConditions(t *testing.T) {
	_, c := newClient(t)
	put := func(exp ots.RowExistenceExpectation, cond ots.ColumnFilter) error {
		ch := &ots.PutRowChange{TableName: "t", PrimaryKey: key(0, "a"), Condition: &ots.RowCondition{RowExistenceExpectation: exp}}
		ch.AddColumn("index", int64(0))
		if cond != nil {
			ch.SetColumnCondition(cond)
		}
		_, err := c.PutRow(&ots.PutRowRequest{PutRowChange: ch})
		return err
	}
	if err := put(ots.RowExistenceExpectation_EXPECT_EXIST, nil); errCode(err) != CodeConditionCheckFail {
		t.Fatalf("EXPECT_EXIST on a missing row = %v", err)
	}
	if err := put(ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil); err != nil {
		t.Fatal(err)
	}
	single := func(col string, ct ots.ComparatorType, v any, filterIfMissing bool) ots.ColumnFilter {
		f := ots.NewSingleColumnCondition(col, ct, v)
		f.FilterIfMissing, f.LatestVersionOnly = filterIfMissing, true
		return f
	}
	composite := func(op ots.LogicalOperator, fs ...ots.ColumnFilter) ots.ColumnFilter {
		f := ots.NewCompositeColumnCondition(op)
		for _, x := range fs {
			f.AddFilter(x)
		}
		return f
	}
	tests := []struct {
		name string
		exp  ots.RowExistenceExpectation
		cond ots.ColumnFilter
		pass bool
	}{
		{"EXPECT_NOT_EXIST on a row", ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil, false},
		{"EXPECT_EXIST on a row", ots.RowExistenceExpectation_EXPECT_EXIST, nil, true},
		{"index == 1", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_EQUAL, int64(1), true), false},
		{"index == 0", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_EQUAL, int64(0), true), true},
		{"index != 0", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_NOT_EQUAL, int64(0), true), false},
		{"index > -1", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_GREATER_THAN, int64(-1), true), true},
		{"index >= 1", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_GREATER_EQUAL, int64(1), true), false},
		{"index < 1", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_LESS_THAN, int64(1), true), true},
		{"index <= -1", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_LESS_EQUAL, int64(-1), true), false},
		{"index == \"0\" (other type)", ots.RowExistenceExpectation_IGNORE, single("index", ots.CT_EQUAL, "0", true), false},
		{"missing addr, filter if missing", ots.RowExistenceExpectation_IGNORE, single("addr", ots.CT_EQUAL, "china", true), false},
		{"missing addr, pass if missing", ots.RowExistenceExpectation_IGNORE, single("addr", ots.CT_EQUAL, "china", false), true},
		{"AND false", ots.RowExistenceExpectation_IGNORE, composite(ots.LO_AND, single("index", ots.CT_EQUAL, int64(0), true), single("index", ots.CT_EQUAL, int64(1), true)), false},
		{"AND true", ots.RowExistenceExpectation_IGNORE, composite(ots.LO_AND, single("index", ots.CT_EQUAL, int64(0), true), single("index", ots.CT_LESS_THAN, int64(5), true)), true},
		{"OR true", ots.RowExistenceExpectation_IGNORE, composite(ots.LO_OR, single("index", ots.CT_EQUAL, int64(1), true), single("index", ots.CT_EQUAL, int64(0), true)), true},
		{"NOT true", ots.RowExistenceExpectation_IGNORE, composite(ots.LO_NOT, single("index", ots.CT_EQUAL, int64(0), true)), false},
		{"EXPECT_EXIST and condition", ots.RowExistenceExpectation_EXPECT_EXIST, single("index", ots.CT_EQUAL, int64(0), true), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := put(tt.exp, tt.cond)
			switch {
			case tt.pass && err != nil:
				t.Fatalf("PutRow = %v, want success", err)
			case !tt.pass && errCode(err) != CodeConditionCheckFail:
				t.Fatalf("PutRow = %v, want %s", err, CodeConditionCheckFail)
			}
			if e, ok := err.(*ots.OtsError); ok && (e.HttpStatusCode != 403 || e.Message != "Condition check failed.") {
				t.Fatalf("condition failure = %+v, want 403 Condition check failed.", e)
			}
		})
	}
	// An AND of one sub filter is malformed, as the service says.
	if err := put(ots.RowExistenceExpectation_IGNORE, composite(ots.LO_AND, single("index", ots.CT_EQUAL, int64(0), true))); errCode(err) != CodeParameterInvalid {
		t.Fatalf("AND of one = %v, want %s", err, CodeParameterInvalid)
	}
}

func TestGetRangeOrderAndPaging(t *testing.T) {
	srv, c := newClient(t)
	for _, k := range []struct {
		gid int64
		uid string
	}{{2, "b"}, {1, "b"}, {1, "a"}, {10, "a"}, {1, "c"}} {
		ch := &ots.PutRowChange{TableName: "t", PrimaryKey: key(k.gid, k.uid), Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_IGNORE}}
		ch.AddColumn("v", k.uid)
		if _, err := c.PutRow(&ots.PutRowRequest{PutRowChange: ch}); err != nil {
			t.Fatal(err)
		}
	}
	bound := func(opt ots.PrimaryKeyOption) *ots.PrimaryKey {
		pk := new(ots.PrimaryKey)
		for _, n := range []string{"gid", "uid"} {
			pk.PrimaryKeys = append(pk.PrimaryKeys, &ots.PrimaryKeyColumn{ColumnName: n, PrimaryKeyOption: opt})
		}
		return pk
	}
	scan := func(dir ots.Direction, start, end *ots.PrimaryKey) (got []string, calls int) {
		for start != nil {
			calls++
			out, err := c.GetRange(&ots.GetRangeRequest{RangeRowQueryCriteria: &ots.RangeRowQueryCriteria{
				TableName: "t", StartPrimaryKey: start, EndPrimaryKey: end, Direction: dir, MaxVersion: 1}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Rows {
				got = append(got, fmt.Sprintf("%d/%s", r.PrimaryKey.PrimaryKeys[0].Value, r.Columns[0].Value))
			}
			start = out.NextStartPrimaryKey
		}
		return got, calls
	}
	fwd := "1/a 1/b 1/c 2/b 10/a"
	tests := []struct {
		name      string
		limit     int
		dir       ots.Direction
		want      string
		wantCalls int
	}{
		{"forward", 0, ots.FORWARD, fwd, 1},
		{"backward", 0, ots.BACKWARD, "10/a 2/b 1/c 1/b 1/a", 1},
		{"forward in pages of 2", 2, ots.FORWARD, fwd, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetPageLimit(tt.limit)
			start, end := bound(ots.MIN), bound(ots.MAX)
			if tt.dir == ots.BACKWARD {
				start, end = end, start
			}
			got, calls := scan(tt.dir, start, end)
			if s := joinStrings(got); s != tt.want || calls != tt.wantCalls {
				t.Fatalf("scan = %s in %d calls, want %s in %d", s, calls, tt.want, tt.wantCalls)
			}
		})
	}
	srv.SetPageLimit(0)
	// A backward range must start above its end.
	_, err := c.GetRange(&ots.GetRangeRequest{RangeRowQueryCriteria: &ots.RangeRowQueryCriteria{
		TableName: "t", StartPrimaryKey: bound(ots.MIN), EndPrimaryKey: bound(ots.MAX), Direction: ots.BACKWARD, MaxVersion: 1}})
	if errCode(err) != CodeParameterInvalid {
		t.Fatalf("backward range from INF_MIN = %v, want %s", err, CodeParameterInvalid)
	}
}

func joinStrings(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

// post sends a hand-made request, to reach what the SDK never sends.
func post(tb testing.TB, srv *Server, path string, body []byte, edit func(http.Header)) (int, *otsprotocol.Error) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	sum := md5.Sum(body)
	h := req.Header
	h.Set("x-ots-date", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	h.Set("x-ots-apiversion", "2015-12-31")
	h.Set("x-ots-accesskeyid", "id")
	h.Set("x-ots-instancename", "inst")
	h.Set("x-ots-contentmd5", base64.StdEncoding.EncodeToString(sum[:]))
	h.Set("x-ots-signature", "unchecked")
	if edit != nil {
		edit(h)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, nil
	}
	e := new(otsprotocol.Error)
	if err := unmarshal(out.Bytes(), e); err != nil {
		tb.Fatalf("error body is not an otsprotocol.Error: %v", err)
	}
	return resp.StatusCode, e
}

func TestProtocolErrors(t *testing.T) {
	srv, _ := newClient(t)
	v := func(x value) *value { return &x }
	good := row{pk: []cell{{name: "gid", val: v(value{typ: vtInteger, i: 1})}, {name: "uid", val: v(value{typ: vtString, s: []byte("a")})}},
		cells: []cell{{name: "c", val: v(value{typ: vtString, s: []byte("x")})}}}
	putBody := func(rowBytes []byte) []byte {
		b, err := marshal(&otsprotocol.PutRowRequest{TableName: proto.String("t"), Row: rowBytes,
			Condition: &otsprotocol.Condition{RowExistence: otsprotocol.RowExistenceExpectation_IGNORE.Enum()}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	corrupt := encodeRows([]row{good})
	corrupt[len(corrupt)-1] ^= 0xff // the row checksum
	wrongType := good
	wrongType.pk = []cell{good.pk[1], good.pk[0]}
	missingTable, _ := marshal(&otsprotocol.DescribeTableRequest{TableName: proto.String("nope")})
	tests := []struct {
		name       string
		path       string
		body       []byte
		edit       func(http.Header)
		wantStatus int
		wantCode   string
	}{
		{"good row", "/PutRow", putBody(encodeRows([]row{good})), nil, 200, ""},
		{"row checksum mismatch", "/PutRow", putBody(corrupt), nil, 400, CodeParameterInvalid},
		{"primary key out of order", "/PutRow", putBody(encodeRows([]row{wrongType})), nil, 400, CodeParameterInvalid},
		{"md5 mismatch", "/PutRow", putBody(encodeRows([]row{good})), func(h http.Header) { h.Set("x-ots-contentmd5", "AAAA") }, 403, CodeAuthFailed},
		{"missing header", "/ListTable", nil, func(h http.Header) { h.Del("x-ots-instancename") }, 400, CodeParameterInvalid},
		{"stale date", "/ListTable", nil, func(h http.Header) { h.Set("x-ots-date", "2001-01-01T00:00:00.000Z") }, 403, CodeAuthFailed},
		{"unsupported action", "/UpdateRow", nil, nil, 400, CodeParameterInvalid},
		{"missing table", "/DescribeTable", missingTable, nil, 404, CodeObjectNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := post(t, srv, tt.path, tt.body, tt.edit)
			if status != tt.wantStatus || (e == nil) != (tt.wantCode == "") || (e != nil && e.GetCode() != tt.wantCode) {
				t.Fatalf("status %d, error %v; want %d %s", status, e, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestResponseSignature(t *testing.T) {
	srv, _ := newClient(t)
	srv.SetAccessKey("id", "secret")
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/ListTable", nil)
	sum := md5.Sum(nil)
	h := req.Header
	h.Set("x-ots-date", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	h.Set("x-ots-apiversion", "2015-12-31")
	h.Set("x-ots-accesskeyid", "id")
	h.Set("x-ots-instancename", "inst")
	h.Set("x-ots-contentmd5", base64.StdEncoding.EncodeToString(sum[:]))
	h.Set("x-ots-signature", sign("secret", "/ListTable\nPOST\n\n"+canonicalHeaders(h, "\n")+"\n"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := "OTS id:" + sign("secret", canonicalHeaders(resp.Header, "\n")+"\n/ListTable")
	if got := resp.Header.Get("Authorization"); got != want || resp.Header.Get("x-ots-requestid") == "" {
		t.Fatalf("Authorization = %q, want %q", got, want)
	}
}
