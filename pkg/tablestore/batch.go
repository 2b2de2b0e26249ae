package tablestore

import (
	"context"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// maxBatchRows is BatchWriteRow's limit of rows per request: the API
// reference lists "more than 200 row operations in all tables" among the
// errors that fail a whole request
// (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow;
// the SDK pages say "a maximum of 200 rows").
const maxBatchRows = 200

// batchRounds bounds how often deleteRows resends the rows that failed.
const batchRounds = 4

// deleteRows deletes the rows (userId, id) of table for each id, with
// BatchWriteRow calls of at most maxBatchRows rows, each delete
// unconditional (so a resend of a delete that landed is harmless). The
// service may fail single rows while the request succeeds (HTTP 200 with
// is_ok false for that row, as the reference says), so every row's result
// is checked and the rows that failed are sent again, up to batchRounds
// times in all; a row still failing then fails the call with its error
// (Unavailable when its code is transient).
func (s *Store) deleteRows(ctx context.Context, table, userID string, ids []string) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxBatchRows)]
		ids = ids[len(chunk):]
		for round := 1; ; round++ {
			failed, err := s.batchDelete(ctx, table, userID, chunk)
			if err != nil {
				return err
			}
			if len(failed) == 0 {
				break
			}
			if round == batchRounds {
				return rowError(failed[0])
			}
			chunk = chunk[:0:0]
			for _, f := range failed {
				chunk = append(chunk, f.id)
			}
		}
	}
	return nil
}

// failedRow is a row of a BatchWriteRow that the service did not apply.
type failedRow struct {
	id   string
	code string
	msg  string
}

// rowError is the error of a row that kept failing: the SDK's OtsError,
// classified as call classifies an answer.
func rowError(f failedRow) error {
	err := error(&ots.OtsError{Code: f.code, Message: f.msg})
	if transient(err) {
		return unavailable(err)
	}
	return fmt.Errorf("delete row %s: %w", f.id, err)
}

// batchDelete sends one BatchWriteRow (at most maxBatchRows ids) and
// returns the rows that failed.
func (s *Store) batchDelete(ctx context.Context, table, userID string, ids []string) ([]failedRow, error) {
	req := &ots.BatchWriteRowRequest{}
	for _, id := range ids {
		req.AddRowChange(&ots.DeleteRowChange{TableName: table, PrimaryKey: primaryKey("userId", userID, "id", id),
			Condition: &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_IGNORE}})
	}
	out, err := call(ctx, s.budget, func() (*ots.BatchWriteRowResponse, error) { return s.client.BatchWriteRow(req) })
	if err != nil {
		return nil, fmt.Errorf("batch write: %w", err)
	}
	results := out.TableToRowsResult[table]
	if len(results) != len(ids) {
		return nil, fmt.Errorf("batch write: %d row results for %d rows", len(results), len(ids))
	}
	var failed []failedRow
	for _, r := range results {
		if r.Index < 0 || int(r.Index) >= len(ids) {
			return nil, fmt.Errorf("batch write: a row result with index %d of %d", r.Index, len(ids))
		}
		if !r.IsSucceed {
			failed = append(failed, failedRow{id: ids[r.Index], code: r.Error.Code, msg: r.Error.Message})
		}
	}
	return failed, nil
}
