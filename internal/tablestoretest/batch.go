package tablestoretest

import (
	"net/http"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	"google.golang.org/protobuf/proto"
)

// MaxBatchWriteRows is the service's limit on the rows of one
// BatchWriteRow request: the API reference
// (https://www.alibabacloud.com/help/zh/tablestore/table-store-service/developer-reference/batchwriterow)
// lists "more than 200 row operations over all tables, or more than 4 MB"
// among the errors that fail the whole request, and the SDK pages repeat
// it (a maximum of 200 rows per batch write). The double answers such a
// request OTSParameterInvalid.
const MaxBatchWriteRows = 200

// FailNextRows makes the next n rows written by BatchWriteRow fail with e
// in their row result (is_ok false) without being applied, while the
// request as a whole succeeds (HTTP 200), as the API reference says a
// BatchWriteRow may fail row by row: each row's is_ok must be checked.
func (s *Server) FailNextRows(n int, e Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.rowFailures = append(s.rowFailures, &e)
	}
}

// batchWriteRow applies each row of the request as PutRow, UpdateRow or
// DeleteRow would, each with its own condition and result (the reference:
// every sub-operation runs, answers and is charged on its own), so one
// row's failure leaves the others applied.
func (s *Server) batchWriteRow(tables map[string]*table, req *otsprotocol.BatchWriteRowRequest) (message, *Error) {
	n := 0
	for _, tb := range req.GetTables() {
		n += len(tb.GetRows())
	}
	if n == 0 {
		return nil, invalid("No row specified in the request of BatchWriteRow.")
	}
	if n > MaxBatchWriteRows {
		return nil, invalid("The total number of rows in the request exceeds %d.", MaxBatchWriteRows)
	}
	resp := &otsprotocol.BatchWriteRowResponse{}
	seen := map[string]bool{}
	for _, tb := range req.GetTables() {
		if seen[tb.GetTableName()] {
			return nil, invalid("Duplicated table name: '%s'.", tb.GetTableName())
		}
		seen[tb.GetTableName()] = true
		t, e := lookup(tables, tb.GetTableName())
		if e != nil {
			return nil, e
		}
		out := &otsprotocol.TableInBatchWriteRowResponse{TableName: proto.String(tb.GetTableName())}
		for _, r := range tb.GetRows() {
			var e *Error
			if len(s.rowFailures) > 0 {
				e, s.rowFailures = s.rowFailures[0], s.rowFailures[1:]
			} else {
				e = s.batchRow(t, r)
			}
			res := &otsprotocol.RowInBatchWriteRowResponse{IsOk: proto.Bool(e == nil)}
			if e != nil {
				res.Error = &otsprotocol.Error{Code: proto.String(e.Code), Message: proto.String(e.Message)}
			} else {
				res.Consumed = consumed(0, 1)
			}
			out.Rows = append(out.Rows, res)
		}
		resp.Tables = append(resp.Tables, out)
	}
	return resp, nil
}

// batchRow applies one row of a BatchWriteRow.
func (s *Server) batchRow(t *table, r *otsprotocol.RowInBatchWriteRowRequest) *Error {
	var e *Error
	switch r.GetType() {
	case otsprotocol.OperationType_PUT:
		_, e = s.putRow(t, &otsprotocol.PutRowRequest{TableName: proto.String(t.name), Row: r.GetRowChange(), Condition: r.GetCondition()})
	case otsprotocol.OperationType_UPDATE:
		_, e = s.updateRow(t, &otsprotocol.UpdateRowRequest{TableName: proto.String(t.name), RowChange: r.GetRowChange(), Condition: r.GetCondition()})
	case otsprotocol.OperationType_DELETE:
		_, e = s.deleteRow(t, &otsprotocol.DeleteRowRequest{TableName: proto.String(t.name), PrimaryKey: r.GetRowChange(), Condition: r.GetCondition()})
	default:
		e = errorf(http.StatusBadRequest, CodeParameterInvalid, "Invalid operation type.")
	}
	return e
}
