package tablestoretest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// The PlainBuffer row encoding, as Tablestore documents it and the Go SDK
// writes it (tablestore/plain_buffer.go): the types, checksums and writer.
// The reader, in pbreader.go, returns errors instead of panicking and
// verifies every cell and row checksum, as the service does.

const (
	pbHeader = 0x75

	tagRowPK        = 0x1
	tagRowData      = 0x2
	tagCell         = 0x3
	tagCellName     = 0x4
	tagCellValue    = 0x5
	tagCellType     = 0x6
	tagCellTS       = 0x7
	tagDeleteMarker = 0x8
	tagRowChecksum  = 0x9
	tagCellChecksum = 0xA
	tagExtension    = 0xB

	// A cell's operation byte (tagCellType) is carried through as read:
	// PutRow refuses any; UpdateRow's values are named in update.go.

	vtInteger       = 0x0
	vtDouble        = 0x1
	vtBoolean       = 0x2
	vtString        = 0x3
	vtBlob          = 0x7
	vtInfMin        = 0x9
	vtInfMax        = 0xa
	vtAutoIncrement = 0xb
)

var crc8Table = func() (t [256]byte) {
	for i := range t {
		x := byte(i)
		for range 8 {
			if x&0x80 != 0 {
				x = x<<1 ^ 0x07
			} else {
				x <<= 1
			}
		}
		t[i] = x
	}
	return t
}()

func crc8(crc byte, b ...byte) byte {
	for _, c := range b {
		crc = crc8Table[crc^c]
	}
	return crc
}

func crc8Int32(crc byte, v int32) byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	return crc8(crc, b[:]...)
}

func crc8Int64(crc byte, v int64) byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	return crc8(crc, b[:]...)
}

// value is one cell value. s holds a string's or a blob's bytes.
type value struct {
	typ byte
	i   int64
	f   float64
	b   bool
	s   []byte
}

func (v value) checksum(crc byte) byte {
	crc = crc8(crc, v.typ)
	switch v.typ {
	case vtInteger:
		crc = crc8Int64(crc, v.i)
	case vtDouble:
		crc = crc8Int64(crc, int64(math.Float64bits(v.f)))
	case vtBoolean:
		if v.b {
			crc = crc8(crc, 1)
		} else {
			crc = crc8(crc, 0)
		}
	case vtString, vtBlob:
		crc = crc8Int32(crc, int32(len(v.s)))
		crc = crc8(crc, v.s...)
	}
	return crc
}

// bytes returns the value as the SDK writes it without the length prefix
// (the form column conditions carry).
func (v value) bytes() []byte {
	var b bytes.Buffer
	b.WriteByte(v.typ)
	switch v.typ {
	case vtInteger:
		binary.Write(&b, binary.LittleEndian, v.i)
	case vtDouble:
		binary.Write(&b, binary.LittleEndian, math.Float64bits(v.f))
	case vtBoolean:
		if v.b {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
	case vtString, vtBlob:
		binary.Write(&b, binary.LittleEndian, int32(len(v.s)))
		b.Write(v.s)
	}
	return b.Bytes()
}

func (v value) String() string {
	switch v.typ {
	case vtInteger:
		return fmt.Sprint(v.i)
	case vtDouble:
		return fmt.Sprint(v.f)
	case vtBoolean:
		return fmt.Sprint(v.b)
	case vtString:
		return fmt.Sprintf("%q", v.s)
	case vtBlob:
		return fmt.Sprintf("blob(%x)", v.s)
	case vtInfMin:
		return "INF_MIN"
	case vtInfMax:
		return "INF_MAX"
	}
	return "AUTO_INCREMENT"
}

// cell is one primary-key or attribute cell of a row.
type cell struct {
	name    string
	val     *value // nil when the cell carries no value (a delete)
	op      byte
	hasOp   bool
	ts      int64
	hasTS   bool
	present bool
}

func (c cell) checksum() byte {
	crc := crc8(0, []byte(c.name)...)
	if c.val != nil {
		crc = c.val.checksum(crc)
	}
	if c.hasTS {
		crc = crc8Int64(crc, c.ts)
	}
	if c.hasOp {
		crc = crc8(crc, c.op)
	}
	return crc
}

// row is one PlainBuffer row.
type row struct {
	pk     []cell
	cells  []cell
	delete bool
}

func (r row) checksum() byte {
	var crc byte
	for _, c := range r.pk {
		crc = crc8(crc, c.checksum())
	}
	for _, c := range r.cells {
		crc = crc8(crc, c.checksum())
	}
	if r.delete {
		return crc8(crc, 1)
	}
	return crc8(crc, 0)
}

// encodeRows writes a header and the rows, with checksums.
func encodeRows(rows []row) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, int32(pbHeader))
	for _, rw := range rows {
		b.WriteByte(tagRowPK)
		for _, c := range rw.pk {
			writeCell(&b, c)
		}
		if len(rw.cells) > 0 {
			b.WriteByte(tagRowData)
			for _, c := range rw.cells {
				writeCell(&b, c)
			}
		}
		if rw.delete {
			b.WriteByte(tagDeleteMarker)
		}
		b.WriteByte(tagRowChecksum)
		b.WriteByte(rw.checksum())
	}
	return b.Bytes()
}

func writeCell(b *bytes.Buffer, c cell) {
	b.WriteByte(tagCell)
	b.WriteByte(tagCellName)
	binary.Write(b, binary.LittleEndian, int32(len(c.name)))
	b.WriteString(c.name)
	if c.val != nil {
		body := c.val.bytes()
		b.WriteByte(tagCellValue)
		binary.Write(b, binary.LittleEndian, int32(len(body)))
		b.Write(body)
	}
	if c.hasOp {
		b.WriteByte(tagCellType)
		b.WriteByte(c.op)
	}
	if c.hasTS {
		b.WriteByte(tagCellTS)
		binary.Write(b, binary.LittleEndian, c.ts)
	}
	b.WriteByte(tagCellChecksum)
	b.WriteByte(c.checksum())
}
