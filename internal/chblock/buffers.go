package chblock

import (
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/google/uuid"

	"github.com/aires-dev/aires/internal/row"
)

// buffer is one column's rows, as the block keeps them until the INSERT.
type buffer interface {
	// appendTo appends every row to col, a column of the driver's batch.
	appendTo(col column.Interface) error
	// reset empties the buffer, keeping capacity and dropping references
	// to the batch's strings.
	reset()
}

// scalar is a column with one value of type T per row.
type scalar[T any] struct {
	get  func(*row.Row) T
	vals []T
}

func addScalars[T any](cols []scalar[T], r *row.Row) {
	for i := range cols {
		c := &cols[i]
		c.vals = append(c.vals, c.get(r))
	}
}

func (s *scalar[T]) appendTo(col column.Interface) error {
	_, err := col.Append(s.vals)
	return err
}

// reset needs no clear: only strings hold references, and strColumn clears.
func (s *scalar[T]) reset() { s.vals = s.vals[:0] }

// uuidColumn is the id column: the row's [16]byte as the driver's uuid.UUID.
type uuidColumn struct {
	get  func(*row.Row) [16]byte
	vals []uuid.UUID
}

func (u *uuidColumn) add(r *row.Row) { u.vals = append(u.vals, uuid.UUID(u.get(r))) }

func (u *uuidColumn) appendTo(col column.Interface) error {
	_, err := col.Append(u.vals)
	return err
}

func (u *uuidColumn) reset() { u.vals = u.vals[:0] }

// strColumn is a String column, plain or LowCardinality (as the server's
// table has it: the batch's column type says which).
type strColumn struct {
	*scalar[string]
	dict *lcDict
}

func (s strColumn) appendTo(col column.Interface) error {
	var err error
	if strings.HasPrefix(string(col.Type()), "LowCardinality(") {
		_, err = col.Append(s.dict.canonical(s.vals))
	} else {
		_, err = col.Append(s.vals)
	}
	return err
}

func (s strColumn) reset() {
	clear(s.vals) // drop references to the plog strings
	s.vals = s.vals[:0]
}

// array is an Array(T) column: all elements flat, plus where each row ends.
type array[T any] struct {
	get  func(*row.Row) []T
	vals []T
	ends []int
	ptrs []*T // &vals[i], built at insert
	row  []*T // the current row's elements, passed to the driver by pointer
}

func addArrays[T any](cols []array[T], r *row.Row) {
	for i := range cols {
		a := &cols[i]
		a.vals = append(a.vals, a.get(r)...)
		a.ends = append(a.ends, len(a.vals))
	}
}

func (a *array[T]) reset() {
	clear(a.vals) // drop references to the plog strings
	clear(a.ptrs)
	a.vals, a.ends, a.ptrs, a.row = a.vals[:0], a.ends[:0], a.ptrs[:0], nil
}

// appendTo appends every row to an Array column.
//
// The driver's Array.Append takes [][]T and walks it by reflection, boxing
// each row (one allocation per row and column) and each string element. A
// pointer to a []*T is the one shape it takes without allocating: the row
// slice header is reached through the pointer and each element is a pointer.
func (a *array[T]) appendTo(col column.Interface) error {
	for i := range a.vals {
		a.ptrs = append(a.ptrs, &a.vals[i])
	}
	start := 0
	for _, end := range a.ends {
		a.row = a.ptrs[start:end]
		if err := col.AppendRow(&a.row); err != nil {
			return err
		}
		start = end
	}
	a.row = nil
	return nil
}

// boolArray is an Array(UInt8) column filled from a []bool.
type boolArray struct {
	get func(*row.Row) []bool
	array[uint8]
}

func (b *boolArray) add(r *row.Row) {
	for _, v := range b.get(r) {
		var u uint8
		if v {
			u = 1
		}
		b.vals = append(b.vals, u)
	}
	b.ends = append(b.ends, len(b.vals))
}

// lcDict gives each distinct string one stable pointer. The driver's
// LowCardinality column deduplicates by value in a map[any]int: fed strings it
// boxes every row (one allocation each); fed the canonical pointers it boxes
// nothing and still deduplicates correctly.
type lcDict struct {
	index map[string]int
	uniq  []string
	idx   []int32 // each value's index in uniq
	ptrs  []*string
}

func (d *lcDict) canonical(vals []string) []*string {
	if d.index == nil {
		d.index = make(map[string]int)
	}
	d.reset()
	// Pointers into uniq are taken once it stops growing.
	for _, v := range vals {
		j, ok := d.index[v]
		if !ok {
			j = len(d.uniq)
			d.index[v] = j
			d.uniq = append(d.uniq, v)
		}
		d.idx = append(d.idx, int32(j))
	}
	for _, j := range d.idx {
		d.ptrs = append(d.ptrs, &d.uniq[j])
	}
	return d.ptrs
}

// reset empties the dictionary, keeping capacity and dropping references to
// the batch's strings.
func (d *lcDict) reset() {
	clear(d.index)
	clear(d.uniq)
	clear(d.ptrs)
	d.uniq, d.idx, d.ptrs = d.uniq[:0], d.idx[:0], d.ptrs[:0]
}
