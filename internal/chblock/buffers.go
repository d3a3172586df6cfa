package chblock

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/aires-dev/aires/internal/row"
)

// buffer is one column's rows, as the block keeps them until the INSERT.
type buffer interface {
	// appendTo appends the block's rows rows to col, a column of the
	// driver's batch.
	appendTo(col column.Interface, rows int) error
	// reset empties the buffer of its rows rows, keeping capacity and
	// dropping references to the batch's strings.
	reset(rows int)
}

// scalar is a column with one value of type T per row, from a row field at
// offset off (see fieldOffset) or, for a Computed column, from get.
//
// vals is always as long as the block's capacity and row i is vals[i]: the
// block counts rows once for all scalar columns, so adding a row is one
// store per column, without a length and capacity to keep per column.
type scalar[T any] struct {
	vals []T
	off  uintptr
	get  func(*row.Row) T
}

// setFields sets row n of each column to the field at its offset in the row
// p points to. Unrolled by four: most columns are strings, and a loop step
// per column cost noticeably more than the hand-written appends this
// replaces (BenchmarkAdd).
func setFields[T any](cols []scalar[T], p unsafe.Pointer, n int) {
	i := 0
	for ; i+4 <= len(cols); i += 4 {
		c := cols[i : i+4 : i+4]
		c[0].vals[n] = *(*T)(unsafe.Add(p, c[0].off))
		c[1].vals[n] = *(*T)(unsafe.Add(p, c[1].off))
		c[2].vals[n] = *(*T)(unsafe.Add(p, c[2].off))
		c[3].vals[n] = *(*T)(unsafe.Add(p, c[3].off))
	}
	for ; i < len(cols); i++ {
		c := &cols[i]
		c.vals[n] = *(*T)(unsafe.Add(p, c.off))
	}
}

func setComputed[T any](cols []scalar[T], r *row.Row, n int) {
	for i := range cols {
		c := &cols[i]
		c.vals[n] = c.get(r)
	}
}

// growScalars makes every column size rows long, keeping the first rows.
func growScalars[T any](cols []scalar[T], rows, size int) {
	for i := range cols {
		c := &cols[i]
		c.vals = slices.Grow(c.vals[:rows], size-rows)[:size]
	}
}

func (s *scalar[T]) appendTo(col column.Interface, rows int) error {
	_, err := col.Append(s.vals[:rows])
	return err
}

// reset needs no clear: only strings hold references, and strColumn clears.
func (s *scalar[T]) reset(int) {}

// fieldOffset is where the field f returns lies in a row. ok is false when
// f does not return a field of the row it is given, at the same offset
// every time (breaking row.Field's contract): the column is then read by
// calling f.
func fieldOffset[T any](f row.Field[T]) (off uintptr, ok bool) {
	a, b := new(row.Row), new(row.Row)
	offA := uintptr(unsafe.Pointer(f(a))) - uintptr(unsafe.Pointer(a))
	offB := uintptr(unsafe.Pointer(f(b))) - uintptr(unsafe.Pointer(b))
	var zero T
	return offA, offA == offB && offA <= unsafe.Sizeof(*a)-unsafe.Sizeof(zero)
}

// strColumn is a String column, plain or LowCardinality (as the server's
// table has it: the batch's column type says which).
type strColumn struct {
	*scalar[string]
	dict *lcDict
}

func (s strColumn) appendTo(col column.Interface, rows int) error {
	var err error
	if strings.HasPrefix(string(col.Type()), "LowCardinality(") {
		_, err = col.Append(s.dict.canonical(s.vals[:rows]))
	} else {
		_, err = col.Append(s.vals[:rows])
	}
	return err
}

func (s strColumn) reset(rows int) {
	clear(s.vals[:rows]) // drop references to the plog strings
}

// array is an Array(T) column, from the []T row field at off: all elements
// flat, plus where each row ends.
type array[T any] struct {
	off  uintptr
	vals []T
	ends []int
	ptrs []*T // &vals[i], built at insert
	row  []*T // the current row's elements, passed to the driver by pointer
}

// addArrays appends the row's elements of each column and returns their
// size, as size counts it.
func addArrays[T any](cols []array[T], p unsafe.Pointer, size func([]T) int) (bytes int) {
	for i := range cols {
		a := &cols[i]
		vals := *(*[]T)(unsafe.Add(p, a.off))
		a.vals = append(a.vals, vals...)
		a.ends = append(a.ends, len(a.vals))
		bytes += size(vals)
	}
	return bytes
}

func stringSize(vals []string) (n int) {
	for _, v := range vals {
		n += len(v)
	}
	return n
}

func fixedSize[T int64 | float64](vals []T) int { return 8 * len(vals) }

// stringBytes is the size of row n's strings.
func stringBytes(cols []scalar[string], n int) (bytes int) {
	for i := range cols {
		bytes += len(cols[i].vals[n])
	}
	return bytes
}

func (a *array[T]) reset(int) {
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
func (a *array[T]) appendTo(col column.Interface, _ int) error {
	// From the start each time: a retried insert appends the block again
	// (the same rows, so the entries are overwritten; reset clears them).
	a.ptrs = a.ptrs[:0]
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

// boolArray is an Array(UInt8) column filled from the []bool row field at
// off.
type boolArray struct {
	array[uint8]
}

func (b *boolArray) add(p unsafe.Pointer) int {
	vals := *(*[]bool)(unsafe.Add(p, b.off))
	for _, v := range vals {
		var u uint8
		if v {
			u = 1
		}
		b.vals = append(b.vals, u)
	}
	b.ends = append(b.ends, len(b.vals))
	return len(vals)
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
