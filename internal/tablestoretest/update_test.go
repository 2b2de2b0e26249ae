package tablestoretest

import (
	"math"
	"sync"
	"testing"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// update runs one UpdateRow on row (0, uid) of table t, built by change,
// and returns the columns the answer carries.
func update(c *ots.TableStoreClient, uid string, exp ots.RowExistenceExpectation, change func(*ots.UpdateRowChange)) ([]*ots.AttributeColumn, error) {
	ch := &ots.UpdateRowChange{TableName: "t", PrimaryKey: key(0, uid)}
	ch.SetCondition(exp)
	change(ch)
	resp, err := c.UpdateRow(&ots.UpdateRowRequest{UpdateRowChange: ch})
	if err != nil {
		return nil, err
	}
	return resp.Columns, nil
}

// read returns row (0, uid)'s columns by name, and whether the row exists.
func read(t *testing.T, c *ots.TableStoreClient, uid string) (map[string]any, bool) {
	t.Helper()
	resp, err := c.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{TableName: "t", PrimaryKey: key(0, uid), MaxVersion: 1}})
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]any{}
	for _, a := range resp.Columns {
		cols[a.ColumnName] = a.Value
	}
	return cols, len(resp.PrimaryKey.PrimaryKeys) > 0
}

func TestUpdateRowIncrement(t *testing.T) {
	_, c := newClient(t)
	inc := func(by int64) func(*ots.UpdateRowChange) {
		return func(ch *ots.UpdateRowChange) {
			ch.IncrementColumn("n", by)
			ch.PutColumn("tag", "x")
			ch.AppendIncrementColumnToReturn("n")
			ch.SetReturnIncrementValue()
		}
	}
	// A missing row is created; a missing counter counts from 0.
	cols, err := update(c, "a", ots.RowExistenceExpectation_IGNORE, inc(5))
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 1 || cols[0].ColumnName != "n" || cols[0].Value != int64(5) {
		t.Fatalf("RT_AFTER_MODIFY answer = %+v, want n = 5", cols)
	}
	if cols, err = update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, inc(-7)); err != nil || cols[0].Value != int64(-2) {
		t.Fatalf("decrement = %+v, %v; want n = -2", cols, err)
	}
	if got, _ := read(t, c, "a"); got["n"] != int64(-2) || got["tag"] != "x" {
		t.Fatalf("row after two increments = %v", got)
	}
	// Without a return type the answer holds no columns.
	cols, err = update(c, "a", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.IncrementColumn("n", 1) })
	if err != nil || len(cols) != 0 {
		t.Fatalf("increment without return = %+v, %v", cols, err)
	}

	// Concurrent increments lose nothing.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := update(c, "b", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.IncrementColumn("n", 1) })
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := read(t, c, "b"); got["n"] != int64(100) {
		t.Fatalf("after 100 concurrent increments n = %v, want 100", got["n"])
	}
}

func TestUpdateRowConditionsAndErrors(t *testing.T) {
	_, c := newClient(t)
	// EXPECT_EXIST on a missing row fails and creates nothing.
	_, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, func(ch *ots.UpdateRowChange) { ch.IncrementColumn("n", 1) })
	if e, ok := err.(*ots.OtsError); !ok || e.Code != CodeConditionCheckFail || e.HttpStatusCode != 403 {
		t.Fatalf("EXPECT_EXIST on a missing row = %v, want 403 %s", err, CodeConditionCheckFail)
	}
	if _, exists := read(t, c, "a"); exists {
		t.Fatal("a failed UpdateRow created the row")
	}
	if _, err := update(c, "a", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) {
		ch.PutColumn("n", int64(3))
		ch.PutColumn("s", "text")
	}); err != nil {
		t.Fatal(err)
	}
	cond := func(ct ots.ComparatorType, v int64) func(*ots.UpdateRowChange) {
		return func(ch *ots.UpdateRowChange) {
			ch.IncrementColumn("n", 1)
			f := ots.NewSingleColumnCondition("n", ct, v)
			f.FilterIfMissing, f.LatestVersionOnly = true, true
			ch.SetColumnCondition(f)
		}
	}
	if _, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, cond(ots.CT_LESS_THAN, 3)); errCode(err) != CodeConditionCheckFail {
		t.Fatalf("increment on condition n < 3 with n = 3: %v, want %s", err, CodeConditionCheckFail)
	}
	if got, _ := read(t, c, "a"); got["n"] != int64(3) {
		t.Fatalf("a refused increment changed n to %v", got["n"])
	}
	if _, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, cond(ots.CT_LESS_EQUAL, 3)); err != nil {
		t.Fatalf("increment on condition n <= 3 with n = 3: %v", err)
	}
	if got, _ := read(t, c, "a"); got["n"] != int64(4) {
		t.Fatalf("n = %v after the increment, want 4", got["n"])
	}

	invalidTests := []struct {
		name   string
		exp    ots.RowExistenceExpectation
		change func(*ots.UpdateRowChange)
	}{
		{"EXPECT_NOT_EXIST", ots.RowExistenceExpectation_EXPECT_NOT_EXIST, func(ch *ots.UpdateRowChange) { ch.PutColumn("x", int64(1)) }},
		{"increment of a string column", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.IncrementColumn("s", 1) }},
		{"a counter also put", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) {
			ch.IncrementColumn("n", 1)
			ch.PutColumn("n", int64(9))
		}},
		{"a counter also deleted", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) {
			ch.IncrementColumn("n", 1)
			ch.DeleteColumn("n")
		}},
		{"overflow", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.IncrementColumn("n", math.MaxInt64) }},
		{"a primary key column", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.PutColumn("uid", "b") }},
	}
	for _, tt := range invalidTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := update(c, "a", tt.exp, tt.change)
			if e, ok := err.(*ots.OtsError); !ok || e.Code != CodeParameterInvalid || e.HttpStatusCode != 400 {
				t.Fatalf("UpdateRow = %v, want 400 %s", err, CodeParameterInvalid)
			}
			if got, _ := read(t, c, "a"); got["n"] != int64(4) || got["s"] != "text" {
				t.Fatalf("a refused UpdateRow changed the row: %v", got)
			}
		})
	}
}

func TestUpdateRowDeletes(t *testing.T) {
	_, c := newClient(t)
	// Deleting columns of a missing row creates no row.
	if _, err := update(c, "a", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) { ch.DeleteColumn("x") }); err != nil {
		t.Fatal(err)
	}
	if _, exists := read(t, c, "a"); exists {
		t.Fatal("an UpdateRow that only deletes created a row")
	}
	if _, err := update(c, "a", ots.RowExistenceExpectation_IGNORE, func(ch *ots.UpdateRowChange) {
		ch.PutColumn("x", "1")
		ch.PutColumn("y", "2")
	}); err != nil {
		t.Fatal(err)
	}
	// Columns not named stay; deleting every column leaves the row.
	if _, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, func(ch *ots.UpdateRowChange) { ch.DeleteColumn("x") }); err != nil {
		t.Fatal(err)
	}
	if got, exists := read(t, c, "a"); !exists || len(got) != 1 || got["y"] != "2" {
		t.Fatalf("row after deleting x = %v (exists %v), want y only", got, exists)
	}
	if _, err := update(c, "a", ots.RowExistenceExpectation_EXPECT_EXIST, func(ch *ots.UpdateRowChange) { ch.DeleteColumn("y") }); err != nil {
		t.Fatal(err)
	}
	if got, exists := read(t, c, "a"); !exists || len(got) != 0 {
		t.Fatalf("row after deleting every column = %v (exists %v), want an existing row without columns", got, exists)
	}
}
