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

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/aires-dev/aires/internal/row"
)

// Block is the rows of one INSERT, one typed buffer per column of
// row.Columns. Strings are not copied: they point into the data the rows
// were built from, which must stay alive until the block is appended (the
// exporter's plog batch lives for the whole push). Reset keeps every
// capacity, so a reused block appends without allocating.
//
// A Block is not safe for concurrent use.
type Block struct {
	rows int

	// The buffers, by value type, each in row.Columns order. Add walks
	// them kind by kind: a typed loop per kind, no per-column switch.
	ids      []uuidColumn
	strs     []scalar[string]
	int8s    []scalar[int8]
	uint16s  []scalar[uint16]
	uint64s  []scalar[uint64]
	int64s   []scalar[int64]
	float64s []scalar[float64]
	strLists []array[string]
	intLists []array[int64]
	fltLists []array[float64]
	bools    []boolArray

	// cols are the same buffers in row.Columns order, for AppendTo.
	cols []buffer

	// dict maps LowCardinality values to one canonical pointer each (see
	// lcDict).
	dict lcDict
}

// New returns an empty block with a buffer for each of row.Columns.
func New() *Block {
	b := new(Block)
	// The kind slices are filled first and never grow after, so the
	// pointers cols takes into them stay valid.
	at := make([]func() buffer, len(row.Columns))
	for i, c := range row.Columns {
		switch get := c.Value.(type) {
		case row.UUIDOf:
			b.ids = append(b.ids, uuidColumn{get: get})
			j := len(b.ids) - 1
			at[i] = func() buffer { return &b.ids[j] }
		case row.StringOf:
			b.strs = append(b.strs, scalar[string]{get: get})
			j := len(b.strs) - 1
			at[i] = func() buffer { return strColumn{&b.strs[j], &b.dict} }
		case row.Int8Of:
			at[i] = addScalar(&b.int8s, get)
		case row.UInt16Of:
			at[i] = addScalar(&b.uint16s, get)
		case row.UInt64Of:
			at[i] = addScalar(&b.uint64s, get)
		case row.Int64Of:
			at[i] = addScalar(&b.int64s, get)
		case row.Float64Of:
			at[i] = addScalar(&b.float64s, get)
		case row.StringsOf:
			at[i] = addArray(&b.strLists, get)
		case row.Int64sOf:
			at[i] = addArray(&b.intLists, get)
		case row.Float64sOf:
			at[i] = addArray(&b.fltLists, get)
		case row.BoolsOf:
			b.bools = append(b.bools, boolArray{get: get})
			j := len(b.bools) - 1
			at[i] = func() buffer { return &b.bools[j] }
		default:
			at[i] = func() buffer { return unknownKind{c.Value} }
		}
	}
	b.cols = make([]buffer, len(at))
	for i, f := range at {
		b.cols[i] = f()
	}
	return b
}

func addScalar[T any](cols *[]scalar[T], get func(*row.Row) T) func() buffer {
	*cols = append(*cols, scalar[T]{get: get})
	j := len(*cols) - 1
	return func() buffer { return &(*cols)[j] }
}

func addArray[T any](cols *[]array[T], get func(*row.Row) []T) func() buffer {
	*cols = append(*cols, array[T]{get: get})
	j := len(*cols) - 1
	return func() buffer { return &(*cols)[j] }
}

// unknownKind is a column whose accessor kind the block has no buffer for
// (a kind added to row without one here): every INSERT fails, naming it.
type unknownKind struct{ value row.Accessor }

func (u unknownKind) appendTo(column.Interface) error {
	return fmt.Errorf("chblock has no buffer for accessor kind %T; add one", u.value)
}

func (unknownKind) reset() {}

// Len is the number of rows.
func (b *Block) Len() int { return b.rows }

// Add appends one row. r may be reused once Add returns; the strings it
// points to may not change until the block is appended.
func (b *Block) Add(r *row.Row) {
	b.rows++
	for i := range b.ids {
		b.ids[i].add(r)
	}
	addScalars(b.strs, r)
	addScalars(b.int8s, r)
	addScalars(b.uint16s, r)
	addScalars(b.uint64s, r)
	addScalars(b.int64s, r)
	addScalars(b.float64s, r)
	addArrays(b.strLists, r)
	addArrays(b.intLists, r)
	addArrays(b.fltLists, r)
	for i := range b.bools {
		b.bools[i].add(r)
	}
}

// Reset empties the block, keeping capacity and dropping references to the
// previous rows' strings so they can be collected.
func (b *Block) Reset() {
	b.rows = 0
	for _, c := range b.cols {
		c.reset()
	}
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

// AppendTo appends the whole block to cols, the columns of a batch prepared
// with schema.Insert (row.Columns, in order): one call per column, except
// Array columns (one call per row, without allocating; see array.appendTo).
func (b *Block) AppendTo(cols []column.Interface) error {
	if len(cols) != len(b.cols) {
		return &ColumnError{Column: "(all)", Err: fmt.Errorf("the batch has %d columns, the INSERT names %d", len(cols), len(b.cols))}
	}
	for i, col := range cols {
		if err := b.cols[i].appendTo(col); err != nil {
			return &ColumnError{Column: row.Columns[i].Name, Err: err}
		}
	}
	return nil
}
