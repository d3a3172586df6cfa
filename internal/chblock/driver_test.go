package chblock

import (
	"testing"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast paths find the driver's fields: when a driver upgrade moves
// them, this fails (the inserts still work, through the slower public
// paths) and driver.go needs a look.
func TestDriverLayout(t *testing.T) {
	require.True(t, layout.ok, "clickhouse-go's Array or LowCardinality column changed its fields: see driver.go")

	arr, err := column.Type("Array(String)").Column("a", &column.ServerContext{})
	require.NoError(t, err)
	var offsets []uint64
	done, err := appendArrayRows(arr, []string{"x", "y", "z"}, []int{2, 2, 3}, 0, &offsets)
	require.NoError(t, err)
	assert.True(t, done, "Array(String) takes the fast path")
	assert.Equal(t, 3, arr.Rows())
	assert.Equal(t, []string{"x", "y"}, arr.Row(0, false))
	assert.Equal(t, []string{}, arr.Row(1, false))
	assert.Equal(t, []string{"z"}, arr.Row(2, false))

	// A LowCardinality column builds its keys when encoded: compare the
	// encodings, the fast path's then the driver's own AppendRow's, with
	// rows appended by AppendRow after the fast path's.
	vals := []string{"a", "b", "a", "", "b", "c"}
	lc, err := column.Type("LowCardinality(String)").Column("l", &column.ServerContext{})
	require.NoError(t, err)
	var d lcDict
	done, err = appendLowCardinality(lc, vals[:4], &d)
	require.NoError(t, err)
	assert.True(t, done, "LowCardinality(String) takes the fast path")
	assert.Equal(t, 4, lc.Rows())
	for _, v := range vals[4:] {
		require.NoError(t, lc.AppendRow(v))
	}
	plain, err := column.Type("LowCardinality(String)").Column("l", &column.ServerContext{})
	require.NoError(t, err)
	for _, v := range vals {
		require.NoError(t, plain.AppendRow(v))
	}
	got, err := EncodeNative([]column.Interface{lc})
	require.NoError(t, err)
	want, err := EncodeNative([]column.Interface{plain})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	nested, err := column.Type("Array(Array(String))").Column("n", &column.ServerContext{})
	require.NoError(t, err)
	done, err = appendArrayRows(nested, []string{"x"}, []int{1}, 0, &offsets)
	require.NoError(t, err)
	assert.False(t, done, "a nested Array has no fast path")
	assert.Equal(t, 0, nested.Rows())
}

// A String column filled by shareStrings reads the block's bytes in place,
// and an append to it afterwards copies them out rather than writing into
// the block.
func TestShareStrings(t *testing.T) {
	var s strBuf
	for _, v := range []string{"ab", "", "cde", "f"} {
		s.add(v)
	}
	col, err := column.Type("String").Column("s", &column.ServerContext{})
	require.NoError(t, err)
	require.True(t, shareStrings(col, &s, 1, 3), "an empty String column is shared")
	assert.Equal(t, 2, col.Rows())
	assert.Equal(t, "", col.Row(0, false))
	assert.Equal(t, "cde", col.Row(1, false))
	c := driverStrings(col)
	assert.Same(t, unsafe.SliceData(s.buf), unsafe.SliceData(c.Buf), "the bytes are the block's, not a copy")

	assert.False(t, shareStrings(col, &s, 3, 4), "a column with rows is not")
	_, err = col.Append([]string{"XYZW"})
	require.NoError(t, err)
	assert.Equal(t, "abcdef", string(s.buf), "an append to a shared column wrote into the block")
	assert.Equal(t, []any{"", "cde", "XYZW"}, []any{col.Row(0, false), col.Row(1, false), col.Row(2, false)})

	// Emptied (as Flush and the exporter's kept batch do) and shared again:
	// the positions' memory is the column's own, reused.
	col.Reset()
	require.True(t, shareStrings(col, &s, 0, 4))
	assert.Equal(t, []any{"ab", "", "cde", "f"}, []any{col.Row(0, false), col.Row(1, false), col.Row(2, false), col.Row(3, false)})
	assert.Equal(t, "abcdef", string(s.buf))

	arr, err := column.Type("Array(String)").Column("a", &column.ServerContext{})
	require.NoError(t, err)
	assert.True(t, shareStrings(arr.(*column.Array).Base(), &s, 0, 2), "an Array(String)'s values column is a String column")
	lc, err := column.Type("LowCardinality(String)").Column("l", &column.ServerContext{})
	require.NoError(t, err)
	assert.False(t, shareStrings(lc, &s, 0, 2), "a LowCardinality column has its own dictionary")
}
