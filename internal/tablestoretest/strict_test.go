package tablestoretest

import (
	"fmt"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

func putA(tb testing.TB, c *ots.TableStoreClient, uid string, cols map[string]any) {
	tb.Helper()
	ch := &ots.PutRowChange{TableName: "t", PrimaryKey: key(0, uid), Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_IGNORE}}
	for n, v := range cols {
		ch.AddColumn(n, v)
	}
	if _, err := c.PutRow(&ots.PutRowRequest{PutRowChange: ch}); err != nil {
		tb.Fatal(err)
	}
}

// TestColumnsToGetMatchingNothing: a read that asks only for attribute
// columns the row lacks gets no row, as the service answers; asking for a
// primary-key column still gets the key.
func TestColumnsToGetMatchingNothing(t *testing.T) {
	_, c := newClient(t)
	putA(t, c, "a", map[string]any{"x": int64(1)})
	get := func(cols ...string) bool {
		out, err := c.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{
			TableName: "t", PrimaryKey: key(0, "a"), MaxVersion: 1, ColumnsToGet: cols}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.PrimaryKey.PrimaryKeys) > 0
	}
	if !get("x") || !get() || !get("uid") {
		t.Fatal("a read of an existing column lost the row")
	}
	if get("expiresAt") {
		t.Fatal("GetRow of a missing column returned the row")
	}
	start, end := new(ots.PrimaryKey), new(ots.PrimaryKey)
	start.AddPrimaryKeyColumnWithMinValue("gid")
	start.AddPrimaryKeyColumnWithMinValue("uid")
	end.AddPrimaryKeyColumnWithMaxValue("gid")
	end.AddPrimaryKeyColumnWithMaxValue("uid")
	out, err := c.GetRange(&ots.GetRangeRequest{RangeRowQueryCriteria: &ots.RangeRowQueryCriteria{TableName: "t",
		StartPrimaryKey: start, EndPrimaryKey: end, Direction: ots.FORWARD, MaxVersion: 1, ColumnsToGet: []string{"expiresAt"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 0 {
		t.Fatalf("GetRange of a missing column returned %d rows", len(out.Rows))
	}
}

// TestTimeToLive: cells older than the table's TTL are invisible to reads
// and conditions; a write refreshes only the cells it writes.
func TestTimeToLive(t *testing.T) {
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := ots.NewClient(srv.URL(), "inst", "id", "secret")
	meta := &ots.TableMeta{TableName: "t"}
	meta.AddPrimaryKeyColumn("gid", ots.PrimaryKeyType_INTEGER)
	meta.AddPrimaryKeyColumn("uid", ots.PrimaryKeyType_STRING)
	if _, err := c.CreateTable(&ots.CreateTableRequest{TableMeta: meta, TableOption: &ots.TableOption{TimeToAlive: 86400, MaxVersion: 1},
		ReservedThroughput: &ots.ReservedThroughput{}}); err != nil {
		t.Fatal(err)
	}
	putA(t, c, "a", map[string]any{"x": int64(1), "y": "old"})
	srv.Age(23 * time.Hour)
	if _, ok := read(t, c, "a"); !ok {
		t.Fatal("a row within its TTL is gone")
	}
	// Refresh x only: y keeps its age.
	if _, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, func(ch *ots.UpdateRowChange) { ch.PutColumn("x", int64(2)) }); err != nil {
		t.Fatal(err)
	}
	srv.Age(2 * time.Hour)
	cols, ok := read(t, c, "a")
	if !ok || cols["x"] != int64(2) || cols["y"] != nil {
		t.Fatalf("after 25 h: row %v (found %v), want x=2 and y expired", cols, ok)
	}
	srv.Age(24 * time.Hour)
	if cols, ok := read(t, c, "a"); ok {
		t.Fatalf("a row past its TTL reads as %v", cols)
	}
	// An expired row is absent for conditions too.
	ch := &ots.PutRowChange{TableName: "t", PrimaryKey: key(0, "a"), Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_NOT_EXIST}}
	ch.AddColumn("x", int64(3))
	if _, err := c.PutRow(&ots.PutRowRequest{PutRowChange: ch}); err != nil {
		t.Fatalf("EXPECT_NOT_EXIST on an expired row: %v", err)
	}
}

// TestBatchWriteRow: up to 200 rows, each applied with its own condition
// and result; a failed row leaves the others written.
func TestBatchWriteRow(t *testing.T) {
	srv, c := newClient(t)
	for i := range 3 {
		putA(t, c, fmt.Sprint("r", i), map[string]any{"x": int64(i)})
	}
	batch := func(n int, cond ots.RowExistenceExpectation) (*ots.BatchWriteRowResponse, error) {
		req := &ots.BatchWriteRowRequest{}
		for i := range n {
			req.AddRowChange(&ots.DeleteRowChange{TableName: "t", PrimaryKey: key(0, fmt.Sprint("r", i)),
				Condition: &ots.RowCondition{RowExistenceExpectation: cond}})
		}
		return c.BatchWriteRow(req)
	}
	if _, err := batch(MaxBatchWriteRows+1, ots.RowExistenceExpectation_IGNORE); errCode(err) != CodeParameterInvalid {
		t.Fatalf("201 rows: %v, want %s", err, CodeParameterInvalid)
	}
	srv.FailNextRows(1, ServerBusy)
	out, err := batch(4, ots.RowExistenceExpectation_EXPECT_EXIST)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.TableToRowsResult["t"] {
		got = append(got, fmt.Sprintf("%d:%v:%s", r.Index, r.IsSucceed, r.Error.Code))
	}
	want := "[0:false:OTSServerBusy 1:true: 2:true: 3:false:OTSConditionCheckFail]"
	if fmt.Sprint(got) != want {
		t.Fatalf("row results %v, want %s", got, want)
	}
	if _, ok := read(t, c, "r0"); !ok {
		t.Fatal("the failed row was applied")
	}
	if _, ok := read(t, c, "r1"); ok {
		t.Fatal("a row that succeeded is still there")
	}
}

// TestLoseNext: the write lands, its answer is lost, and the SDK's resend
// meets the row the first attempt wrote.
func TestLoseNext(t *testing.T) {
	srv, _ := newClient(t)
	conf := ots.NewDefaultTableStoreConfig()
	conf.RetryTimes = 2
	conf.HTTPTimeout = ots.HTTPTimeout{ConnectionTimeout: time.Second, RequestTimeout: 200 * time.Millisecond}
	c := ots.NewClientWithConfig(srv.URL(), "inst", "id", "secret", "", conf)
	for _, d := range []time.Duration{0, time.Second} {
		uid := fmt.Sprint("lost", d)
		srv.LoseNext("PutRow", d)
		before := srv.Requests()
		ch := &ots.PutRowChange{TableName: "t", PrimaryKey: key(0, uid), Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_NOT_EXIST}}
		ch.AddColumn("x", int64(1))
		_, err := c.PutRow(&ots.PutRowRequest{PutRowChange: ch})
		if errCode(err) != CodeConditionCheckFail {
			t.Fatalf("delay %v: PutRow = %v, want the resend's %s", d, err, CodeConditionCheckFail)
		}
		if n := srv.Requests() - before; n != 2 {
			t.Fatalf("delay %v: %d requests, want 2 (the lost one and the resend)", d, n)
		}
		if _, ok := read(t, c, uid); !ok {
			t.Fatalf("delay %v: the first attempt did not land", d)
		}
	}
}

// TestFlowControl: the throttling answers carry the service's codes.
func TestFlowControl(t *testing.T) {
	srv, c := newClient(t)
	for _, e := range []Error{FlowControl, OperationThrottled} {
		srv.FailNext("GetRow", e)
		srv.FailNext("GetRow", e)
		srv.FailNext("GetRow", e)
		srv.FailNext("GetRow", e)
		_, err := c.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{TableName: "t", PrimaryKey: key(0, "a"), MaxVersion: 1}})
		oe, ok := err.(*ots.OtsError)
		if !ok || oe.Code != e.Code || oe.HttpStatusCode != e.Status {
			t.Fatalf("GetRow = %v, want %d %s", err, e.Status, e.Code)
		}
		srv.mu.Lock()
		srv.failures = map[string][]*Error{}
		srv.mu.Unlock()
	}
}
