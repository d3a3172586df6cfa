package chblock

import (
	"reflect"
	"strings"
	"unsafe"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
)

// The driver's public way to fill an Array or a LowCardinality column is one
// AppendRow per row, and both walk their values by reflection: an
// Array(String) row costs a reflect.Value per element, a LowCardinality row
// a map[any]int lookup on a boxed value. Together they were three quarters
// of AppendTo (BenchmarkAppendTo: 1,057 ns a row).
//
// The fast paths below put the same values in the same places of the
// driver's columns, a column at a time: for an Array, the elements through
// the values column's own typed Append and the row ends into its offsets
// column; for a LowCardinality(String), the distinct values into its
// dictionary and a key per row, as its AppendRow would; for a String
// column (plain, or an Array(String)'s values), the block's own bytes and
// each string's place in them, not copied (shareStrings). Only the offsets
// column of an Array, the dictionary state of a LowCardinality and the
// buffer of a String are unexported: their place is found by reflection
// once, and checked by type.
// If the driver's layout ever changes, driverLayout is not ok, the public
// paths are used again, and TestDriverLayout fails to say so. The encoded
// blocks are held byte for byte to the public paths' (TestNativeMatchesRowWise,
// TestDriverLayout).

// driverLayout is where the fields the fast paths use lie in the driver's
// column structs.
type driverLayout struct {
	ok bool
	// column.Array: offsets []*offset, each offset's values column.UInt64.
	arrayOffsets, offsetValues uintptr
	// column.LowCardinality: rows int, index column.Interface and
	// append struct{ keys []int; index map[any]int }.
	lcRows, lcIndex, lcAppend, lcAppendKeys, lcAppendIndex uintptr
	// column.String: col proto.ColStr.
	stringCol uintptr
}

var layout = findDriverLayout()

func findDriverLayout() (l driverLayout) {
	field := func(t reflect.Type, name string, want reflect.Type) (reflect.StructField, bool) {
		f, ok := t.FieldByName(name)
		if !ok || (want != nil && f.Type != want) {
			return f, false
		}
		return f, true
	}
	arr := reflect.TypeFor[column.Array]()
	offs, ok1 := field(arr, "offsets", nil)
	if !ok1 || offs.Type.Kind() != reflect.Slice || offs.Type.Elem().Kind() != reflect.Pointer ||
		offs.Type.Elem().Elem().Kind() != reflect.Struct {
		return l
	}
	vals, ok2 := field(offs.Type.Elem().Elem(), "values", reflect.TypeFor[column.UInt64]())
	lc := reflect.TypeFor[column.LowCardinality]()
	rows, ok3 := field(lc, "rows", reflect.TypeFor[int]())
	index, ok4 := field(lc, "index", reflect.TypeFor[column.Interface]())
	app, ok5 := field(lc, "append", nil)
	if !ok2 || !ok3 || !ok4 || !ok5 || app.Type.Kind() != reflect.Struct {
		return l
	}
	keys, ok6 := field(app.Type, "keys", reflect.TypeFor[[]int]())
	idx, ok7 := field(app.Type, "index", reflect.TypeFor[map[any]int]())
	str, ok8 := field(reflect.TypeFor[column.String](), "col", reflect.TypeFor[proto.ColStr]())
	if !ok6 || !ok7 || !ok8 {
		return l
	}
	return driverLayout{
		ok:           true,
		arrayOffsets: offs.Offset, offsetValues: vals.Offset,
		lcRows: rows.Offset, lcIndex: index.Offset, lcAppend: app.Offset,
		lcAppendKeys: keys.Offset, lcAppendIndex: idx.Offset,
		stringCol: str.Offset,
	}
}

// arrayOffsets is the offsets column of a one-level Array column, or nil
// when col is not one (or the layout is unknown).
func arrayOffsets(col column.Interface) *column.UInt64 {
	a, ok := col.(*column.Array)
	if !ok || !layout.ok {
		return nil
	}
	offsets := *(*[]unsafe.Pointer)(unsafe.Add(unsafe.Pointer(a), layout.arrayOffsets))
	if len(offsets) != 1 || offsets[0] == nil {
		return nil
	}
	return (*column.UInt64)(unsafe.Add(offsets[0], layout.offsetValues))
}

// appendArrayRows appends rows to the one-level Array column col: the
// elements of all rows as elems (a slice the values column's Append takes,
// such as []string or []int64) and where each row ends, counted from the
// first element of elems. It reports false, having appended nothing, when
// col has no fast path: the caller then uses AppendRow.
func appendArrayRows(col column.Interface, elems any, ends []int, first int, scratch *[]uint64) (bool, error) {
	offsets := arrayOffsets(col)
	if offsets == nil {
		return false, nil
	}
	if _, err := col.(*column.Array).Base().Append(elems); err != nil {
		return true, err
	}
	return true, appendOffsets(offsets, ends, first, scratch)
}

// appendOffsets appends to an Array's offsets column where each row ends,
// ends counted from element first of the rows being appended.
func appendOffsets(offsets *column.UInt64, ends []int, first int, scratch *[]uint64) error {
	// An offset is where a row ends among all the column's elements.
	var base uint64
	if n := offsets.Rows(); n > 0 {
		base = offsets.Row(n-1, false).(uint64)
	}
	*scratch = (*scratch)[:0]
	for _, end := range ends {
		*scratch = append(*scratch, base+uint64(end-first))
	}
	_, err := offsets.Append(*scratch)
	return err
}

// driverStrings is the ColStr a String column holds its values in, or nil
// when col is not a String column (or the layout is unknown).
func driverStrings(col column.Interface) *proto.ColStr {
	s, ok := col.(*column.String)
	if !ok || !layout.ok {
		return nil
	}
	return (*proto.ColStr)(unsafe.Add(unsafe.Pointer(s), layout.stringCol))
}

// shareStrings makes the empty String column col hold strings [from, to)
// of s without copying their bytes: its buffer is s's memory, and its
// positions are where they lie in it (the driver's own slice, reused). s
// must not change until the column is sent; the block is not reset or
// added to while an INSERT of it is in flight (see the exporter's
// inserter). The buffer's capacity ends with the strings, so that an
// append to the column copies them out rather than writing into s. (After
// a Reset, the capacity is s's again: an emptied String column is always
// shared again, never appended to, while the layout is known.) It reports
// false, having changed nothing, when col is not an empty String column.
func shareStrings(col column.Interface, s *strBuf, from, to int) bool {
	c := driverStrings(col)
	if c == nil || len(c.Pos) != 0 {
		return false
	}
	pos := c.Pos[:0]
	start := 0
	if from > 0 {
		start = int(s.ends[from-1])
	}
	for _, end := range s.ends[from:to] {
		pos = append(pos, proto.Position{Start: start, End: int(end)})
		start = int(end)
	}
	c.Buf, c.Pos = s.buf[:start:start], pos
	return true
}

// appendLowCardinality appends vals to a LowCardinality(String) column as
// its AppendRow does value by value: the dictionary (the index column)
// starts with the default value, each distinct value is added once, in the
// order first seen, and each row's key is its value's place in it. The map
// the driver keeps of the dictionary gets the same entries, keyed by the
// value. It reports false, having appended nothing, when col has no fast
// path.
func appendLowCardinality(col column.Interface, vals []string, d *lcDict) (bool, error) {
	lc, ok := col.(*column.LowCardinality)
	if !ok || !layout.ok {
		return false, nil
	}
	p := unsafe.Pointer(lc)
	index := *(*column.Interface)(unsafe.Add(p, layout.lcIndex))
	dict, ok := index.(*column.String)
	if !ok {
		return false, nil // LowCardinality(Nullable(String)) or another base
	}
	app := unsafe.Add(p, layout.lcAppend)
	keys := (*[]int)(unsafe.Add(app, layout.lcAppendKeys))
	known := (*map[any]int)(unsafe.Add(app, layout.lcAppendIndex))
	if *known == nil {
		*known = make(map[any]int)
	}
	if dict.Rows() == 0 {
		if err := dict.AppendRow(nil); err != nil { // the default value, key 0
			return true, err
		}
	}
	d.begin()
	for _, v := range vals {
		k, ok := d.index[v]
		if !ok {
			if k, ok = (*known)[v]; !ok {
				if err := dict.AppendRow(v); err != nil {
					return true, err
				}
				k = dict.Rows() - 1
				// The driver keeps its key: a copy, not a view of the block.
				(*known)[strings.Clone(v)] = k
			}
			d.index[v] = k
		}
		*keys = append(*keys, k)
	}
	*(*int)(unsafe.Add(p, layout.lcRows)) += len(vals)
	return true, nil
}
