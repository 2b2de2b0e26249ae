package tablestoretest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The PlainBuffer reader (see plainbuffer.go for the encoding).

var errPlainBuffer = errors.New("malformed PlainBuffer")

type pbReader struct {
	b   []byte
	off int
	err error
}

func (r *pbReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at byte %d: %s", errPlainBuffer, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *pbReader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *pbReader) peek() (byte, bool) {
	if r.err != nil || r.off >= len(r.b) {
		return 0, false
	}
	return r.b[r.off], true
}

func (r *pbReader) n(k int) []byte {
	if r.err != nil || k < 0 || len(r.b)-r.off < k {
		r.fail("unexpected end")
		return nil
	}
	p := r.b[r.off : r.off+k]
	r.off += k
	return p
}

func (r *pbReader) int32() int32 {
	p := r.n(4)
	if p == nil {
		return 0
	}
	return int32(binary.LittleEndian.Uint32(p))
}

func (r *pbReader) int64() int64 {
	p := r.n(8)
	if p == nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(p))
}

// decodeRows reads a header and then rows until the input ends.
func decodeRows(b []byte) ([]row, error) {
	r := &pbReader{b: b}
	if r.int32() != pbHeader {
		r.fail("bad header")
		return nil, r.err
	}
	var rows []row
	for r.err == nil && r.off < len(b) {
		rows = append(rows, r.row())
	}
	if r.err != nil {
		return nil, r.err
	}
	return rows, nil
}

// decodeRow reads exactly one row.
func decodeRow(b []byte) (row, error) {
	rows, err := decodeRows(b)
	if err != nil {
		return row{}, err
	}
	if len(rows) != 1 {
		return row{}, fmt.Errorf("%w: %d rows, want 1", errPlainBuffer, len(rows))
	}
	return rows[0], nil
}

func (r *pbReader) row() row {
	var rw row
	tag := r.byte()
	if tag != tagRowPK {
		r.fail("row does not start with a primary key")
		return rw
	}
	rw.pk = r.cells()
	tag = r.byte()
	if tag == tagRowData {
		rw.cells = r.cells()
		tag = r.byte()
	}
	if tag == tagDeleteMarker {
		rw.delete = true
		tag = r.byte()
	}
	if tag == tagExtension {
		r.fail("row extensions are not accepted in requests")
		return rw
	}
	if tag != tagRowChecksum {
		r.fail("missing row checksum")
		return rw
	}
	if sum := r.byte(); r.err == nil && sum != rw.checksum() {
		r.fail("row checksum mismatch")
	}
	return rw
}

func (r *pbReader) cells() []cell {
	var cs []cell
	for {
		tag, ok := r.peek()
		if !ok || tag != tagCell {
			return cs
		}
		r.off++
		cs = append(cs, r.cell())
		if r.err != nil {
			return cs
		}
	}
}

func (r *pbReader) cell() cell {
	c := cell{present: true}
	if r.byte() != tagCellName {
		r.fail("cell without a name")
		return c
	}
	c.name = string(r.n(int(r.int32())))
	tag := r.byte()
	if tag == tagCellValue {
		v := r.value()
		c.val = &v
		tag = r.byte()
	}
	if tag == tagCellType {
		c.op, c.hasOp = r.byte(), true
		tag = r.byte()
	}
	if tag == tagCellTS {
		c.ts, c.hasTS = r.int64(), true
		tag = r.byte()
	}
	if tag != tagCellChecksum {
		r.fail("cell %q without a checksum", c.name)
		return c
	}
	if sum := r.byte(); r.err == nil && sum != c.checksum() {
		r.fail("cell %q checksum mismatch", c.name)
	}
	return c
}

func (r *pbReader) value() value {
	size := int(r.int32())
	body := r.n(size)
	if r.err != nil {
		return value{}
	}
	v, err := decodeValue(body, true)
	if err != nil {
		r.fail("%v", err)
	}
	return v
}

// decodeValue reads a type byte and its payload. exact requires the input
// to end with the value.
func decodeValue(b []byte, exact bool) (value, error) {
	r := &pbReader{b: b}
	v := value{typ: r.byte()}
	switch v.typ {
	case vtInteger:
		v.i = r.int64()
	case vtDouble:
		v.f = math.Float64frombits(uint64(r.int64()))
	case vtBoolean:
		v.b = r.byte() != 0
	case vtString, vtBlob:
		v.s = append([]byte(nil), r.n(int(r.int32()))...)
	case vtInfMin, vtInfMax, vtAutoIncrement:
	default:
		r.fail("unknown value type %#x", v.typ)
	}
	if r.err == nil && exact && r.off != len(b) {
		r.fail("%d trailing bytes in a value", len(b)-r.off)
	}
	return v, r.err
}
