package tablestoretest

import (
	"bytes"

	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
)

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
	ok, e := evalFilterBytes(c.GetColumnCondition(), existing)
	if e != nil {
		return e
	}
	if !ok {
		return errConditionFailed
	}
	return nil
}

// evalFilterBytes reports whether the row passes the serialized filter b;
// every row passes an empty one.
func evalFilterBytes(b []byte, r *storedRow) (bool, *Error) {
	if len(b) == 0 {
		return true, nil
	}
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
		return evalSingleColumn(sf, r)
	case otsprotocol.FilterType_FT_COMPOSITE_COLUMN_VALUE:
		cf := new(otsprotocol.CompositeColumnValueFilter)
		if err := unmarshal(f.GetFilter(), cf); err != nil {
			return false, invalid("Invalid composite column value filter: %v.", err)
		}
		return evalComposite(cf, r)
	}
	return false, invalid("This filter type is not supported in a condition by this double.")
}

func evalSingleColumn(sf *otsprotocol.SingleColumnValueFilter, r *storedRow) (bool, *Error) {
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
}

func evalComposite(cf *otsprotocol.CompositeColumnValueFilter, r *storedRow) (bool, *Error) {
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
