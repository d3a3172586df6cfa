package chblock

import (
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"

	"github.com/aires-dev/aires/internal/row"
)

// buffer is one column's rows, as the block keeps them until the INSERT.
type buffer interface {
	// appendRange appends rows [from, to) to col, a column of the driver's
	// batch, using s for the slices it passes.
	appendRange(col column.Interface, from, to int, s *scratch) error
	// addFrom appends row i of src, the same column of another block, as
	// row n, and returns the bytes it added (as Block.Bytes counts them).
	addFrom(src buffer, i, n int) int
	// reset empties the buffer, keeping capacity.
	reset()
	// zero reports whether each of the first rows rows holds its type's
	// zero value: an empty string or array, a number or UUID of all zero
	// bits.
	zero(rows int) bool
}

// scratch are the slices appendRange hands the driver, kept between calls.
type scratch struct {
	strs    []string
	ptrs    []*string
	offsets []uint64
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
// p points to. Unrolled by four: a loop step per column cost noticeably more
// than the hand-written appends this replaced (BenchmarkAdd).
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

func (s *scalar[T]) appendRange(col column.Interface, from, to int, _ *scratch) error {
	_, err := col.Append(s.vals[from:to])
	return err
}

func (s *scalar[T]) addFrom(src buffer, i, n int) int {
	s.vals[n] = src.(*scalar[T]).vals[i]
	return 0
}

// reset needs no clear: scalars hold no references.
func (s *scalar[T]) reset() {}

// zero compares the values' bits, not the values: -0.0 is not zero here,
// as the server would store it apart from 0.
func (s *scalar[T]) zero(rows int) bool {
	size := int(unsafe.Sizeof(*new(T)))
	return allZero(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s.vals))), rows*size))
}

// allZero reports whether every byte of b is 0, eight at a time.
func allZero(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

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

// strBuf holds strings back to back in memory of its own: Add copies the
// rows' bytes in, so the block keeps nothing of the data its rows were
// built from alive (the exporter lets a request's data go once its rows are
// in the block). An offset per string instead of a string header per row
// also keeps the block a third of the size.
type strBuf struct {
	buf  []byte
	ends []uint32 // where each string ends in buf
}

func (s *strBuf) add(v string) {
	if len(v) > 0 {
		s.buf = append(s.buf, v...)
	}
	s.ends = append(s.ends, uint32(len(s.buf)))
}

// at is string i, pointing into buf: valid until the buffer is reset.
func (s *strBuf) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	b := s.buf[start:s.ends[i]]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendStrings appends strings [from, to) to dst.
func (s *strBuf) appendStrings(dst []string, from, to int) []string {
	for i := from; i < to; i++ {
		dst = append(dst, s.at(i))
	}
	return dst
}

func (s *strBuf) reset() { s.buf, s.ends = s.buf[:0], s.ends[:0] }

// zero: every string is empty when the buffer holds no bytes.
func (s *strBuf) zero(int) bool { return len(s.buf) == 0 }

// strColumn is a String column, plain or LowCardinality (as the server's
// table has it: the batch's column type says which), from the string field
// at off.
type strColumn struct {
	strBuf
	off  uintptr
	dict *lcDict
}

func (s *strColumn) add(p unsafe.Pointer) int {
	v := *(*string)(unsafe.Add(p, s.off))
	s.strBuf.add(v)
	return len(v)
}

func (s *strColumn) appendRange(col column.Interface, from, to int, sc *scratch) error {
	if shareStrings(col, &s.strBuf, from, to) {
		return nil
	}
	sc.strs = s.appendStrings(sc.strs[:0], from, to)
	var err error
	if strings.HasPrefix(string(col.Type()), "LowCardinality(") {
		var done bool
		if done, err = appendLowCardinality(col, sc.strs, s.dict); !done {
			_, err = col.Append(s.dict.canonical(sc.strs))
		}
	} else {
		_, err = col.Append(sc.strs)
	}
	return err
}

func (s *strColumn) addFrom(src buffer, i, _ int) int {
	v := src.(*strColumn).at(i)
	s.strBuf.add(v)
	return len(v)
}

func (s *strColumn) reset() { s.strBuf.reset() }

// array is an Array(T) column of a fixed-size T, from the []T row field at
// off: all elements flat, plus where each row ends.
type array[T any] struct {
	off  uintptr
	vals []T
	ends []int
	ptrs []*T // &vals[i] of the rows being appended
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

func fixedSize[T int64 | float64](vals []T) int { return 8 * len(vals) }

// rowStart is where row i's elements start, given each row's end.
func rowStart(ends []int, i int) int {
	if i == 0 {
		return 0
	}
	return ends[i-1]
}

func (a *array[T]) addFrom(src buffer, i, _ int) int {
	s := src.(*array[T])
	vals := s.vals[rowStart(s.ends, i):s.ends[i]]
	a.vals = append(a.vals, vals...)
	a.ends = append(a.ends, len(a.vals))
	return int(unsafe.Sizeof(*new(T))) * len(vals)
}

func (a *array[T]) zero(int) bool { return len(a.vals) == 0 }

func (a *array[T]) reset() {
	a.vals, a.ends, a.ptrs, a.row = a.vals[:0], a.ends[:0], a.ptrs[:0], nil
}

// appendRange appends rows [from, to) to an Array column: a column at a
// time where the driver allows it (appendArrayRows), else row by row.
//
// Row by row, the driver's Array.Append takes [][]T and walks it by
// reflection, boxing each row (one allocation per row and column) and each
// string element. A pointer to a []*T is the one shape it takes without
// allocating: the row slice header is reached through the pointer and each
// element is a pointer.
func (a *array[T]) appendRange(col column.Interface, from, to int, sc *scratch) error {
	first := rowStart(a.ends, from)
	last := rowStart(a.ends, to)
	if done, err := appendArrayRows(col, a.vals[first:last], a.ends[from:to], first, &sc.offsets); done {
		return err
	}
	a.ptrs = a.ptrs[:0]
	for i := first; i < last; i++ {
		a.ptrs = append(a.ptrs, &a.vals[i])
	}
	err := appendRows(col, a.ptrs, a.ends[from:to], first, &a.row)
	a.row = nil
	return err
}

// appendRows appends one row per entry of ends (where each row's elements
// end, counted from the column's first element; ptrs start at element
// first), each as a pointer to a []*T.
func appendRows[T any](col column.Interface, ptrs []*T, ends []int, first int, row *[]*T) error {
	start := 0
	for _, end := range ends {
		end -= first
		*row = ptrs[start:end]
		if err := col.AppendRow(row); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// strArray is an Array(String) column, from the []string row field at off:
// the elements in a strBuf, plus where each row ends.
type strArray struct {
	off   uintptr
	elems strBuf
	ends  []int
	row   []*string
}

func (a *strArray) add(p unsafe.Pointer) (bytes int) {
	for _, v := range *(*[]string)(unsafe.Add(p, a.off)) {
		a.elems.add(v)
		bytes += len(v)
	}
	a.ends = append(a.ends, len(a.elems.ends))
	return bytes
}

func (a *strArray) addFrom(src buffer, i, _ int) (bytes int) {
	s := src.(*strArray)
	for k := rowStart(s.ends, i); k < s.ends[i]; k++ {
		v := s.elems.at(k)
		a.elems.add(v)
		bytes += len(v)
	}
	a.ends = append(a.ends, len(a.elems.ends))
	return bytes
}

func (a *strArray) zero(int) bool { return len(a.elems.ends) == 0 }

func (a *strArray) reset() {
	a.elems.reset()
	a.ends, a.row = a.ends[:0], nil
}

// appendRange appends rows [from, to) as array.appendRange does, the
// elements as pointers to strings of the scratch slice.
func (a *strArray) appendRange(col column.Interface, from, to int, sc *scratch) error {
	first, last := rowStart(a.ends, from), rowStart(a.ends, to)
	if offsets := arrayOffsets(col); offsets != nil && shareStrings(col.(*column.Array).Base(), &a.elems, first, last) {
		return appendOffsets(offsets, a.ends[from:to], first, &sc.offsets)
	}
	sc.strs = a.elems.appendStrings(sc.strs[:0], first, last)
	if done, err := appendArrayRows(col, sc.strs, a.ends[from:to], first, &sc.offsets); done {
		return err
	}
	sc.ptrs = sc.ptrs[:0]
	for i := range sc.strs {
		sc.ptrs = append(sc.ptrs, &sc.strs[i])
	}
	err := appendRows(col, sc.ptrs, a.ends[from:to], first, &a.row)
	a.row = nil
	return err
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

func (b *boolArray) addFrom(src buffer, i, n int) int {
	return b.array.addFrom(&src.(*boolArray).array, i, n)
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
	d.begin()
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

// begin readies the dictionary for a column's values: empty, its map made.
func (d *lcDict) begin() {
	if d.index == nil {
		d.index = make(map[string]int)
	}
	d.reset()
}

// reset empties the dictionary, keeping capacity and dropping references to
// the strings it was given.
func (d *lcDict) reset() {
	clear(d.index)
	clear(d.uniq)
	clear(d.ptrs)
	d.uniq, d.idx, d.ptrs = d.uniq[:0], d.idx[:0], d.ptrs[:0]
}
