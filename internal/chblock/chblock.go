// Package chblock holds one INSERT's worth of rows in column form: a typed
// buffer per column of row.Columns, appended to row by row and handed to
// clickhouse-go once per column.
//
// The aires_clickhouse exporter inserts through it; tests encode a block
// exactly as the exporter builds it (Native). It depends on internal/row and
// the driver only, so test modules can import it without the collector.
package chblock

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/google/uuid"

	"github.com/aires-dev/aires/internal/row"
)

// Block is the rows of one INSERT, one typed buffer per column of
// row.Columns. Strings are copied into the block (see strBuf): once Add
// returns, the block keeps nothing of what the row points to, so the data the
// rows were built from can go while the block waits for its INSERT and any
// retry. Reset keeps every capacity, so a reused block adds rows without
// allocating.
//
// A Block is not safe for concurrent use.
type Block struct {
	rows     int
	capacity int // the length of every scalar column
	// bytes is the size of the rows' strings and array elements, the bulk
	// of what the block and the driver's columns hold (see Bytes).
	bytes int

	// The buffers, by value type, each in row.Columns order. Add walks
	// them kind by kind, a typed loop per kind: no per-column switch, and
	// no call for a column that is a row field (see fieldOffset).
	ids      []scalar[uuid.UUID] // uuid.UUID is a [16]byte, as row.Row.ID
	strs     []strColumn
	uint16s  []scalar[uint16]
	uint64s  []scalar[uint64]
	int64s   []scalar[int64]
	float64s []scalar[float64]
	strLists []strArray
	intLists []array[int64]
	fltLists []array[float64]
	bools    []boolArray
	// Computed columns.
	int8sOf  []scalar[int8]
	int64sOf []scalar[int64]

	// cols are the same buffers in row.Columns order, for AppendRange and
	// AddFrom.
	cols []buffer

	// dict maps LowCardinality values to one canonical pointer each (see
	// lcDict).
	dict lcDict
	// scratch is what AppendRange passes the driver, kept between calls.
	scratch scratch
}

// New returns an empty block with a buffer for each of row.Columns.
func New() *Block {
	b := new(Block)
	// The kind slices are filled first and never grow after, so the
	// pointers cols takes into them stay valid.
	at := make([]func() buffer, len(row.Columns))
	for i, c := range row.Columns {
		switch v := c.Value.(type) {
		case row.Field[[16]byte]:
			at[i] = addField(&b.ids, v)
		case row.Field[string]:
			if off, ok := fieldOffset(v); ok {
				b.strs = append(b.strs, strColumn{off: off, dict: &b.dict})
				j := len(b.strs) - 1
				at[i] = func() buffer { return &b.strs[j] }
			}
		case row.Field[uint16]:
			at[i] = addField(&b.uint16s, v)
		case row.Field[uint64]:
			at[i] = addField(&b.uint64s, v)
		case row.Field[int64]:
			at[i] = addField(&b.int64s, v)
		case row.Field[float64]:
			at[i] = addField(&b.float64s, v)
		case row.Field[[]string]:
			if off, ok := fieldOffset(v); ok {
				b.strLists = append(b.strLists, strArray{off: off})
				j := len(b.strLists) - 1
				at[i] = func() buffer { return &b.strLists[j] }
			}
		case row.Field[[]int64]:
			at[i] = addArray(&b.intLists, v)
		case row.Field[[]float64]:
			at[i] = addArray(&b.fltLists, v)
		case row.Field[[]bool]:
			if off, ok := fieldOffset(v); ok {
				b.bools = append(b.bools, boolArray{array[uint8]{off: off}})
				j := len(b.bools) - 1
				at[i] = func() buffer { return &b.bools[j] }
			}
		case row.Computed[int8]:
			at[i] = addComputed(&b.int8sOf, v)
		case row.Computed[int64]:
			at[i] = addComputed(&b.int64sOf, v)
		default:
			err := fmt.Errorf("chblock has no buffer for accessor type %T; add one", c.Value)
			at[i] = func() buffer { return badColumn{err} }
		}
		if at[i] == nil {
			err := fmt.Errorf("its accessor (%T) does not return a field of the row", c.Value)
			at[i] = func() buffer { return badColumn{err} }
		}
	}
	b.cols = make([]buffer, len(at))
	for i, f := range at {
		b.cols[i] = f()
	}
	return b
}

// addField adds a buffer for field f to cols, returning the way to reach
// it once cols is complete; nil if f is not a field (see fieldOffset).
// V is the buffer's type: T, or one with the same memory layout.
func addField[V, T any](cols *[]scalar[V], f row.Field[T]) func() buffer {
	off, ok := fieldOffset(f)
	if !ok || unsafe.Sizeof(*new(V)) != unsafe.Sizeof(*new(T)) {
		return nil
	}
	*cols = append(*cols, scalar[V]{off: off})
	j := len(*cols) - 1
	return func() buffer { return &(*cols)[j] }
}

func addArray[T any](cols *[]array[T], f row.Field[[]T]) func() buffer {
	off, ok := fieldOffset(f)
	if !ok {
		return nil
	}
	*cols = append(*cols, array[T]{off: off})
	j := len(*cols) - 1
	return func() buffer { return &(*cols)[j] }
}

func addComputed[T any](cols *[]scalar[T], get row.Computed[T]) func() buffer {
	*cols = append(*cols, scalar[T]{get: get})
	j := len(*cols) - 1
	return func() buffer { return &(*cols)[j] }
}

// badColumn is a column the block cannot fill (an accessor type without a
// buffer here, or a Field that is not one): every INSERT fails, naming it.
type badColumn struct{ err error }

func (c badColumn) appendRange(column.Interface, int, int, *scratch) error { return c.err }

func (badColumn) addFrom(buffer, int, int) int { return 0 }

func (badColumn) reset() {}

func (badColumn) zero(int) bool { return false }

// Len is the number of rows.
func (b *Block) Len() int { return b.rows }

// Add appends one row. The block copies what it needs: r and everything it
// points to may be reused or dropped once Add returns.
func (b *Block) Add(r *row.Row) {
	n := b.rows
	if n == b.capacity {
		b.grow()
	}
	p := unsafe.Pointer(r)
	setFields(b.ids, p, n)
	setFields(b.uint16s, p, n)
	setFields(b.uint64s, p, n)
	setFields(b.int64s, p, n)
	setFields(b.float64s, p, n)
	setComputed(b.int8sOf, r, n)
	setComputed(b.int64sOf, r, n)
	for i := range b.strs {
		b.bytes += b.strs[i].add(p)
	}
	for i := range b.strLists {
		b.bytes += b.strLists[i].add(p)
	}
	b.bytes += addArrays(b.intLists, p, fixedSize[int64])
	b.bytes += addArrays(b.fltLists, p, fixedSize[float64])
	for i := range b.bools {
		b.bytes += b.bools[i].add(p)
	}
	b.rows++
}

// AddFrom appends row i of src, another block (the exporter builds a
// retry's block from the rows of a failed one).
func (b *Block) AddFrom(src *Block, i int) {
	n := b.rows
	if n == b.capacity {
		b.grow()
	}
	for k, c := range b.cols {
		b.bytes += c.addFrom(src.cols[k], i, n)
	}
	b.rows++
}

// Bytes is about how much memory the rows take in the block, and again in
// the driver's columns when they are appended to them: the bytes of their
// strings and array elements (fixed-size scalars aside). The exporter
// bounds its batches by it, since a batch's buffers are kept for the next.
func (b *Block) Bytes() int { return b.bytes }

// grow doubles the capacity of the scalar columns.
func (b *Block) grow() {
	size := max(2*b.capacity, 256)
	growScalars(b.ids, b.rows, size)
	growScalars(b.uint16s, b.rows, size)
	growScalars(b.uint64s, b.rows, size)
	growScalars(b.int64s, b.rows, size)
	growScalars(b.float64s, b.rows, size)
	growScalars(b.int8sOf, b.rows, size)
	growScalars(b.int64sOf, b.rows, size)
	b.capacity = size
}

// Reset empties the block, keeping capacity.
func (b *Block) Reset() {
	for _, c := range b.cols {
		c.reset()
	}
	b.rows = 0
	b.bytes = 0
	b.dict.reset()
}

// ColumnError is a column the driver refused while the block was appended
// to it (for example a table whose column types differ from row.Columns).
type ColumnError struct {
	Column string // the column's name, or "(all)"
	Err    error
}

func (e *ColumnError) Error() string { return "column " + e.Column + ": " + e.Err.Error() }

func (e *ColumnError) Unwrap() error { return e.Err }

// ZeroColumns sets dst[i] (reused when long enough, else allocated) to
// whether column i of row.Columns holds only its type's zero value in every
// row: the empty string or array, a number or UUID of all zero bits. An
// INSERT may leave such a column out when the table's default for it is
// that same value (see AppendColumns).
func (b *Block) ZeroColumns(dst []bool) []bool {
	dst = slices.Grow(dst[:0], len(b.cols))[:len(b.cols)]
	for i, c := range b.cols {
		dst[i] = c.zero(b.rows)
	}
	return dst
}

// AppendTo appends the whole block to cols (see AppendRange).
func (b *Block) AppendTo(cols []column.Interface) error { return b.AppendRange(cols, 0, b.rows) }

// AppendRange appends rows [from, to) to cols, the columns of a batch
// prepared with schema.Insert (row.Columns, in order), a column at a time
// (see driver.go). String columns, plain and the values of Array(String),
// read the block's bytes in place (shareStrings): the block must not be
// reset or added to until the batch is sent. LowCardinality columns must
// be empty (new or Reset): their values go as pointers that are canonical
// for one call only (see lcDict).
func (b *Block) AppendRange(cols []column.Interface, from, to int) error {
	return b.AppendColumns(cols, nil, from, to)
}

// AppendColumns is AppendRange for a batch prepared with some of
// row.Columns: cols[k] is given column which[k] of the block. An empty
// which means every column, in order.
func (b *Block) AppendColumns(cols []column.Interface, which []int, from, to int) error {
	want := len(b.cols)
	if len(which) > 0 {
		want = len(which)
	}
	if len(cols) != want {
		return &ColumnError{Column: "(all)", Err: fmt.Errorf("the batch has %d columns, the INSERT names %d", len(cols), want)}
	}
	if from < 0 || to > b.rows || from > to {
		return &ColumnError{Column: "(all)", Err: fmt.Errorf("rows [%d, %d) of a block of %d", from, to, b.rows)}
	}
	for k, col := range cols {
		i := k
		if len(which) > 0 {
			i = which[k]
			if i < 0 || i >= len(b.cols) {
				return &ColumnError{Column: "(all)", Err: fmt.Errorf("no column %d in a block of %d columns", i, len(b.cols))}
			}
		}
		if err := b.cols[i].appendRange(col, from, to, &b.scratch); err != nil {
			return &ColumnError{Column: row.Columns[i].Name, Err: err}
		}
	}
	return nil
}
