package tablestoretest

import (
	"net/http"
	"sort"
	"strings"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// message is an otsprotocol message. The SDK's messages are generated with
// the original protobuf API (they lack ProtoReflect), so marshal and
// unmarshal adapt them to google.golang.org/protobuf, as
// github.com/golang/protobuf/proto itself does.
type message = protoadapt.MessageV1

func marshal(m message) ([]byte, error) { return proto.Marshal(protoadapt.MessageV2Of(m)) }

func unmarshal(b []byte, m message) error { return proto.Unmarshal(b, protoadapt.MessageV2Of(m)) }

func (s *Server) dispatch(instance, path string, body []byte) (message, *Error) {
	tables := s.instances[instance]
	if tables == nil {
		tables = map[string]*table{}
		s.instances[instance] = tables
	}
	switch path {
	case "/CreateTable":
		req := new(otsprotocol.CreateTableRequest)
		if err := unmarshal(body, req); err != nil {
			return nil, invalid("Can not parse the request: %v.", err)
		}
		return s.createTable(tables, req)
	case "/ListTable":
		names := make([]string, 0, len(tables))
		for n := range tables {
			names = append(names, n)
		}
		sort.Strings(names)
		return &otsprotocol.ListTableResponse{TableNames: names}, nil
	case "/DescribeTable":
		return onTable(tables, body, new(otsprotocol.DescribeTableRequest), func(t *table, _ *otsprotocol.DescribeTableRequest) (message, *Error) {
			return t.describe(), nil
		})
	case "/PutRow":
		return onTable(tables, body, new(otsprotocol.PutRowRequest), s.putRow)
	case "/UpdateRow":
		return onTable(tables, body, new(otsprotocol.UpdateRowRequest), s.updateRow)
	case "/GetRow":
		return onTable(tables, body, new(otsprotocol.GetRowRequest), func(t *table, req *otsprotocol.GetRowRequest) (message, *Error) {
			return t.getRow(req, s.now().UnixMilli())
		})
	case "/DeleteRow":
		return onTable(tables, body, new(otsprotocol.DeleteRowRequest), s.deleteRow)
	case "/BatchWriteRow":
		req := new(otsprotocol.BatchWriteRowRequest)
		if err := unmarshal(body, req); err != nil {
			return nil, invalid("Can not parse the request: %v.", err)
		}
		return s.batchWriteRow(tables, req)
	case "/GetRange":
		return onTable(tables, body, new(otsprotocol.GetRangeRequest), func(t *table, req *otsprotocol.GetRangeRequest) (message, *Error) {
			return t.getRange(req, s.pageLimit, s.now().UnixMilli())
		})
	}
	return nil, invalid("Unsupported operation: %s.", strings.TrimPrefix(path, "/"))
}

// tableRequest is a request that names one table.
type tableRequest interface {
	message
	GetTableName() string
}

// onTable parses body into req, finds the table req names and runs the
// action on it: every action on an existing table starts so.
func onTable[R tableRequest](tables map[string]*table, body []byte, req R, action func(*table, R) (message, *Error)) (message, *Error) {
	if err := unmarshal(body, req); err != nil {
		return nil, invalid("Can not parse the request: %v.", err)
	}
	t, e := lookup(tables, req.GetTableName())
	if e != nil {
		return nil, e
	}
	return action(t, req)
}

func lookup(tables map[string]*table, name string) (*table, *Error) {
	t := tables[name]
	if t == nil {
		return nil, errorf(http.StatusNotFound, CodeObjectNotExist, "Requested table does not exist.")
	}
	return t, nil
}

func consumed(read, write int32) *otsprotocol.ConsumedCapacity {
	return &otsprotocol.ConsumedCapacity{CapacityUnit: &otsprotocol.CapacityUnit{Read: proto.Int32(read), Write: proto.Int32(write)}}
}
