package tablestore

import (
	"context"
	"fmt"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// counterPrefix is the keys-table prefix of the counters of AddCount: rows
// {key; count, expires (epoch ms)}.
const counterPrefix = "count:"

// counterAttempts bounds AddCount's rounds; a round after the first runs
// only because another caller changed the counter in between.
const counterAttempts = 6

// AddCount implements todo.CounterStore with conditional UpdateRow calls,
// never a read followed by a write.
//
// The common case is one UpdateRow that increments the count atomically
// (an atomic counter: IncrementColumn) and sets the expiry, on condition
// that the row exists, has not expired and holds a count from which delta
// stays within [floor, ceiling]; RT_AFTER_MODIFY returns the new count.
// The service checks the condition and applies the change as one step
// (UpdateRow: https://help.aliyun.com/en/tablestore/developer-reference/updaterow;
// atomic counters: https://help.aliyun.com/en/tablestore/developer-reference/go-atomic-counters;
// conditional updates: https://www.alibabacloud.com/help/en/tablestore/table-store-service/developer-reference/configure-conditional-update-by-using-php-sdk;
// the SDK's UpdateRowChange.IncrementColumn, SetColumnCondition and
// SetReturnIncrementValue in tablestore/util.go and UpdateRow in
// tablestore/api.go). A counter that is missing, expired or below floor (a
// bucket that refilled) fails that condition and gets a second UpdateRow
// that PUTs floor+delta on condition that it still is. Tablestore returns
// no old row with a failed condition, so only when both fail is the row
// read: to report what a spent counter holds, or, if it changed in
// between, to go round again.
//
// An increment resent after its answer was lost would count twice, so
// these UpdateRow calls go through a client without the SDK's resends
// (RetryTimes 0: getNextPause in tablestore/api.go then never retries),
// and each writes the call's writeIDColumn token beside the count. When a
// write fails other than by its condition (a timeout, a broken
// connection), the row is read back: if it holds the call's token, the
// write landed and the count read is the answer; otherwise AddCount
// reports the failure (Unavailable), and the write may or may not have
// landed, which makes a budget stricter, never looser. No write is ever
// applied twice.
func (s *Store) AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	k := counterPrefix + key
	if !validKey(k) || key == "" {
		return 0, false, fmt.Errorf("tablestore: add to counter: key is empty or longer than %d bytes", maxKeyBytes-len(counterPrefix))
	}
	pk := keyPK(k)
	if delta == 0 {
		v, _, err := s.readCounter(ctx, pk, floor)
		return v, err == nil && v <= ceiling, err
	}
	exp := epochMillisCeil(expires)
	id := newWriteID()
	// lost reports the count if a write that failed without an answer
	// landed after all.
	lost := func(op string, werr error) (int64, bool, error) {
		v, w, err := s.readCounter(ctx, pk, floor)
		if err == nil && w == id {
			return v, true, nil
		}
		return 0, false, fmt.Errorf("tablestore: %s: %w", op, werr)
	}
	for range counterAttempts {
		now := s.now().UnixMilli()
		n, err := s.incrementCounter(ctx, pk, delta, max(floor, floor-delta), ceiling-delta, exp, now, id)
		if err == nil {
			return n, true, nil
		}
		if !conditionFailed(err) {
			return lost("add to counter", err)
		}
		if delta > 0 && floor+delta <= ceiling {
			err = s.raiseCounter(ctx, pk, floor, floor+delta, exp, now, id)
			if err == nil {
				return floor + delta, true, nil
			}
			if !conditionFailed(err) {
				return lost("raise counter", err)
			}
		}
		v, _, err := s.readCounter(ctx, pk, floor)
		if err != nil {
			return 0, false, err
		}
		if v+delta < floor || v+delta > ceiling {
			return v, false, nil // spent (or, for a give, full)
		}
		// Room after all: the counter changed in between; go round.
	}
	return 0, false, fmt.Errorf("tablestore: counter %q kept changing over %d attempts", key, counterAttempts)
}

// incrementCounter adds delta to an unexpired count within [lo, hi] and
// returns the new count.
func (s *Store) incrementCounter(ctx context.Context, pk *ots.PrimaryKey, delta, lo, hi, exp, now int64, id string) (int64, error) {
	change := &ots.UpdateRowChange{TableName: s.keys, PrimaryKey: pk}
	change.SetCondition(ots.RowExistenceExpectation_EXPECT_EXIST)
	change.SetColumnCondition(columnConditions(ots.LO_AND, true,
		ots.NewSingleColumnCondition("count", ots.CT_GREATER_EQUAL, lo),
		ots.NewSingleColumnCondition("count", ots.CT_LESS_EQUAL, hi),
		ots.NewSingleColumnCondition("expires", ots.CT_GREATER_THAN, now)))
	change.IncrementColumn("count", delta)
	change.PutColumn("expires", exp)
	change.PutColumn(writeIDColumn, id)
	change.AppendIncrementColumnToReturn("count")
	change.SetReturnIncrementValue()
	out, err := call(ctx, s.budget, func() (*ots.UpdateRowResponse, error) {
		return s.once.UpdateRow(&ots.UpdateRowRequest{UpdateRowChange: change})
	})
	if err != nil {
		return 0, err
	}
	for _, col := range out.Columns {
		if n, ok := col.Value.(int64); ok && col.ColumnName == "count" {
			return n, nil
		}
	}
	return 0, fmt.Errorf("the answer holds no count")
}

// columnConditions joins fs with op, each on the latest version of its
// column; ifMissing is whether a missing column fails its condition
// (FilterIfMissing).
func columnConditions(op ots.LogicalOperator, ifMissing bool, fs ...*ots.SingleColumnCondition) *ots.CompositeColumnValueFilter {
	c := ots.NewCompositeColumnCondition(op)
	for _, f := range fs {
		f.FilterIfMissing, f.LatestVersionOnly = ifMissing, true
		c.AddFilter(f)
	}
	return c
}

// raiseCounter sets the count to n if the row is missing, expired or below
// floor (a missing column passes each condition, so a missing row does).
func (s *Store) raiseCounter(ctx context.Context, pk *ots.PrimaryKey, floor, n, exp, now int64, id string) error {
	change := &ots.UpdateRowChange{TableName: s.keys, PrimaryKey: pk}
	change.SetCondition(ots.RowExistenceExpectation_IGNORE)
	change.SetColumnCondition(columnConditions(ots.LO_OR, false,
		ots.NewSingleColumnCondition("count", ots.CT_LESS_THAN, floor),
		ots.NewSingleColumnCondition("expires", ots.CT_LESS_EQUAL, now)))
	change.PutColumn("count", n)
	change.PutColumn("expires", exp)
	change.PutColumn(writeIDColumn, id)
	_, err := call(ctx, s.budget, func() (*ots.UpdateRowResponse, error) {
		return s.once.UpdateRow(&ots.UpdateRowRequest{UpdateRowChange: change})
	})
	return err
}

// readCounter returns the count as AddCount sees it: 0 for a missing or
// expired row, raised to floor; and the token of the row's last write.
func (s *Store) readCounter(ctx context.Context, pk *ots.PrimaryKey, floor int64) (int64, string, error) {
	c, found, err := s.getRow(ctx, s.keys, pk)
	if err != nil {
		return 0, "", fmt.Errorf("tablestore: read counter: %w", err)
	}
	if !found {
		return floor, "", nil
	}
	d := &decoder{c: c}
	n, exp := d.int("count", true), d.int("expires", true)
	w := d.str(writeIDColumn, false)
	if err := d.err(); err != nil {
		return 0, "", fmt.Errorf("tablestore: decode counter: %w", err)
	}
	if expired(exp, s.now()) {
		return floor, w, nil
	}
	return max(n, floor), w, nil
}
