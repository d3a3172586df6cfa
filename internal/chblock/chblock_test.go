package chblock

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"testing"
	"unsafe"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/row"
)

// testRows are rows with every column set in some and empty in others,
// repeated LowCardinality values, and an out-of-range severity.
func testRows() []row.Row {
	full := row.Row{
		ID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, TimestampNs: 1_764_200_000_123_456_789,
		Service: "checkout", Environment: "prod", Release: "1.4.2", Host: "web-1",
		Severity: row.SeverityError, Message: "commande passée ✓",
		TraceID: "0a0102030405060708090a0b0c0d0eff", SpanID: "ab01020304050607", SessionID: "sess-1", UserID: "user-9",
		Tags:    []string{"beta", "eu"},
		StrKeys: []string{"order.id", "customer.tier"}, StrValues: []string{"A-1", "gold"},
		IntKeys: []string{"order.items"}, IntValues: []int64{3},
		FloatKeys: []string{"order.total"}, FloatValues: []float64{99.95},
		BoolKeys: []string{"order.gift", "order.paid"}, BoolValues: []bool{true, false},
		ResourceKeys: []string{"k8s.pod.name"}, ResourceValues: []string{"web-1-abc"},
		HTTPMethod: "POST", HTTPRoute: "/orders/{id}", HTTPPath: "/orders/42", HTTPURL: "https://shop.example/orders/42",
		HTTPStatus: 502, HTTPDurationMs: 12.5, HTTPRequestSize: 120, HTTPResponseSize: 3400,
		HTTPUserAgent: "curl/8.0", HTTPClientIP: "10.1.2.3",
		ErrorType: "*net.OpError", ErrorMessage: "connection refused", ErrorStack: "main.go:12",
	}
	rows := []row.Row{full, {TimestampNs: 1}, full, {Service: "billing", Severity: 9}, full}
	rows[2].Service, rows[2].Severity, rows[2].ID[0] = "billing", row.SeverityDebug, 2
	return rows
}

// typesOf are the column types of row.Columns, with LowCardinality where
// the column asks for it and lowCardinality is set (as on a recent server).
func typesOf(lowCardinality bool) []string {
	types := make([]string, len(row.Columns))
	for i, c := range row.Columns {
		types[i] = c.Type
		if lowCardinality && c.LowCardinality {
			types[i] = "LowCardinality(" + c.Type + ")"
		}
	}
	return types
}

func newColumns(t testing.TB, types []string) []column.Interface {
	t.Helper()
	cols, err := Columns(types)
	require.NoError(t, err)
	return cols
}

// plainValue is column c of r the way a row-wise insert passes it to the
// driver's AppendRow.
func plainValue(c row.Column, r *row.Row) any {
	switch v := c.Value.Any(r).(type) {
	case [16]byte:
		return uuid.UUID(v)
	case int8:
		return row.Severity(v).String()
	case []string:
		return append([]string{}, v...)
	case []int64:
		return append([]int64{}, v...)
	case []float64:
		return append([]float64{}, v...)
	case []bool:
		u := []uint8{}
		for _, b := range v {
			if b {
				u = append(u, 1)
			} else {
				u = append(u, 0)
			}
		}
		return u
	default:
		return v
	}
}

// The block's columnar append (typed slices, pointer arrays, the
// LowCardinality dictionary) fills the driver's columns exactly as a plain
// row-by-row AppendRow of the same rows does: the Native encodings are the
// same bytes. And they decode back to the rows.
func TestNativeMatchesRowWise(t *testing.T) {
	// Past 255 distinct values a LowCardinality column's keys take two
	// bytes each; rows without attributes leave empty arrays between full
	// ones.
	many := make([]row.Row, 0, 600)
	for i := range 600 {
		r := testRows()[i%5]
		r.Service = fmt.Sprintf("svc-%d", i%300)
		many = append(many, r)
	}
	for _, tc := range []struct {
		name string
		rows []row.Row
	}{{"rows", testRows()}, {"300 services", many}} {
		t.Run(tc.name, func(t *testing.T) { testNativeMatchesRowWise(t, tc.rows) })
	}
}

func testNativeMatchesRowWise(t *testing.T, rows []row.Row) {
	for _, lc := range []bool{false, true} {
		t.Run(fmt.Sprintf("lowcardinality=%v", lc), func(t *testing.T) {
			b := New()
			for i := range rows {
				b.Add(&rows[i])
			}
			require.Equal(t, len(rows), b.Len())
			got, err := b.Native(typesOf(lc))
			require.NoError(t, err)

			plain := newColumns(t, typesOf(lc))
			for i := range rows {
				for j, c := range row.Columns {
					require.NoError(t, plain[j].AppendRow(plainValue(c, &rows[i])), "column %s", c.Name)
				}
			}
			want, err := EncodeNative(plain)
			require.NoError(t, err)
			assert.Equal(t, want, got)

			dec := proto.NewBlock()
			require.NoError(t, dec.Decode(chproto.NewReader(bytes.NewReader(got)), 0))
			require.Len(t, dec.Columns, len(row.Columns))
			byName := map[string]column.Interface{}
			for j, col := range dec.Columns {
				assert.Equal(t, row.Columns[j].Name, col.Name())
				assert.Equal(t, typesOf(lc)[j], string(col.Type()))
				require.Equal(t, len(rows), col.Rows(), "column %s", col.Name())
				byName[col.Name()] = col
			}
			for i, r := range rows {
				assert.Equal(t, uuid.UUID(r.ID), byName["id"].Row(i, false))
				assert.Equal(t, r.TimestampNs, byName["timestamp_ns"].Row(i, false))
				assert.Equal(t, r.Service, byName["service"].Row(i, false))
				assert.Equal(t, r.Severity.String(), byName["severity"].Row(i, false))
				assert.Equal(t, r.HTTPStatus, byName["http_status"].Row(i, false))
				assert.Equal(t, r.ErrorStack, byName["error_stack"].Row(i, false))
				assert.Equal(t, append([]string{}, r.Tags...), byName["tags"].Row(i, false))
				assert.Equal(t, append([]float64{}, r.FloatValues...), byName["attr_float_values"].Row(i, false))
			}
		})
	}
}

func TestNativeErrors(t *testing.T) {
	b := New()
	_, err := b.Native([]string{"String"})
	assert.ErrorContains(t, err, "1 column types for 37 columns")
	types := typesOf(false)
	types[0] = "NoSuchType"
	_, err = b.Native(types)
	var ce *ColumnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "id", ce.Column)
}

// A reset block can be filled again with other rows.
func TestResetRefills(t *testing.T) {
	rows := testRows()
	b := New()
	for i := range rows {
		b.Add(&rows[i])
	}
	b.Reset()
	assert.Equal(t, 0, b.Len())
	b.Add(&rows[3])
	cols := newColumns(t, typesOf(false))
	require.NoError(t, b.AppendTo(cols))
	for j, c := range row.Columns {
		require.Equal(t, 1, cols[j].Rows(), "column %s", c.Name)
		if c.Type != "DateTime" { // read back as a time.Time
			assert.Equal(t, plainValue(c, &rows[3]), cols[j].Row(0, false), "column %s", c.Name)
		}
	}
}

// The block copies the rows' strings: the data a row was built from can be
// reused (or freed) once Add returned, and the block still holds the values
// it was given. The exporter relies on it to let a request go once its rows
// are in the block.
func TestAddCopiesStrings(t *testing.T) {
	rows := testRows()
	want := newColumns(t, typesOf(true))
	b := New()
	for i := range rows {
		b.Add(&rows[i])
	}
	require.NoError(t, b.AppendTo(want))

	// The same rows, their strings built over a buffer that is overwritten
	// after each Add.
	copied := New()
	for i := range rows {
		r := rows[i]
		scratch := make([]byte, 0, 1<<12)
		own := func(s string) string {
			if s == "" {
				return ""
			}
			start := len(scratch)
			scratch = append(scratch, s...)
			return unsafe.String(&scratch[start], len(s))
		}
		for _, f := range []*string{&r.Service, &r.Message, &r.TraceID, &r.HTTPRoute, &r.ErrorStack, &r.UserID} {
			*f = own(*f)
		}
		for _, list := range []*[]string{&r.Tags, &r.StrKeys, &r.StrValues, &r.ResourceKeys, &r.ResourceValues} {
			l := make([]string, len(*list))
			for k, v := range *list {
				l[k] = own(v)
			}
			*list = l
		}
		copied.Add(&r)
		for k := range scratch {
			scratch[k] = 'X'
		}
	}
	got := newColumns(t, typesOf(true))
	require.NoError(t, copied.AppendTo(got))
	wantNative, err := EncodeNative(want)
	require.NoError(t, err)
	gotNative, err := EncodeNative(got)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(wantNative, gotNative), "the block kept references to the rows' strings")
}

// Appending a block in ranges, each into emptied columns as the exporter
// sends one block per range, gives the rows of one append of the whole
// block; rows copied with AddFrom are the same rows.
func TestAppendRangeAndAddFrom(t *testing.T) {
	const n = 23
	b := filledBlock(n)
	whole := newColumns(t, typesOf(true))
	require.NoError(t, b.AppendTo(whole))
	wantNative, err := EncodeNative(whole)
	require.NoError(t, err)

	plain := newColumns(t, typesOf(false))
	require.NoError(t, b.AppendTo(plain))
	for _, chunk := range []int{1, 4, 7, n} {
		for _, lc := range []bool{false, true} {
			part := newColumns(t, typesOf(lc))
			for from := 0; from < n; from += chunk {
				to := min(from+chunk, n)
				for _, c := range part {
					c.Reset()
				}
				require.NoError(t, b.AppendRange(part, from, to))
				if lc { // a block of the same rows encodes the same
					same := New()
					for k := from; k < to; k++ {
						same.AddFrom(b, k)
					}
					want, err := same.Native(typesOf(true))
					require.NoError(t, err)
					got, err := EncodeNative(part)
					require.NoError(t, err)
					assert.True(t, bytes.Equal(want, got), "chunks of %d: rows [%d, %d)", chunk, from, to)
					continue
				}
				for j, c := range row.Columns {
					require.Equal(t, to-from, part[j].Rows(), "column %s", c.Name)
					for k := from; k < to; k++ {
						assert.Equal(t, plain[j].Row(k, false), part[j].Row(k-from, false), "chunks of %d: row %d column %s", chunk, k, c.Name)
					}
				}
			}
		}
	}

	cp := New()
	for i := range n {
		cp.AddFrom(b, i)
	}
	assert.Equal(t, b.Bytes(), cp.Bytes())
	got, err := cp.Native(typesOf(true))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(wantNative, got), "AddFrom of every row")

	// Every other row, read back from the driver's columns.
	odd := New()
	for i := 1; i < n; i += 2 {
		odd.AddFrom(b, i)
	}
	cols := newColumns(t, typesOf(false))
	require.NoError(t, odd.AppendTo(cols))
	rows := testRows()
	for k, i := 0, 1; i < n; k, i = k+1, i+2 {
		r := &rows[i%len(rows)]
		for j, c := range row.Columns {
			if c.Type != "DateTime" {
				assert.Equal(t, plainValue(c, r), cols[j].Row(k, false), "row %d column %s", i, c.Name)
			}
		}
	}

	err = b.AppendRange(whole, 5, n+1)
	var ce *ColumnError
	require.ErrorAs(t, err, &ce)
}

func TestAppendToErrors(t *testing.T) {
	b := New()
	rows := testRows()
	b.Add(&rows[0])
	err := b.AppendTo(newColumns(t, typesOf(false))[:3])
	var ce *ColumnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "(all)", ce.Column)

	types := typesOf(false)
	types[7] = "Array(UInt64)" // severity
	err = b.AppendTo(newColumns(t, types))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "severity", ce.Column)
	assert.ErrorContains(t, err, "column severity: ")
}

// A warm block appends rows without allocating.
func TestAddAllocs(t *testing.T) {
	rows := testRows()
	b := New()
	fill := func() {
		for i := range rows {
			b.Add(&rows[i])
		}
		b.Reset()
	}
	fill()
	if n := testing.AllocsPerRun(100, fill); n != 0 {
		t.Errorf("Add allocates %.0f times per %d rows", n, len(rows))
	}
}

// Appending a block to warm driver columns costs a few allocations per
// column (the driver's), none per row: strings go to LowCardinality columns
// as canonical pointers, array rows as pointer slices.
func TestAppendToAllocs(t *testing.T) {
	const n = 1000
	b, cols := filledBlock(n), newColumns(t, typesOf(true))
	appendAll(t, b, cols)
	if perRow := testing.AllocsPerRun(10, func() { appendAll(t, b, cols) }) / n; perRow > 0.2 {
		t.Errorf("AppendTo allocates %.2f times per row, want none per row", perRow)
	}
}

// filledBlock is a block of n rows from testRows.
func filledBlock(n int) *Block {
	rows := testRows()
	b := New()
	for i := range n {
		b.Add(&rows[i%len(rows)])
	}
	return b
}

// appendAll appends b to cols, emptied first.
func appendAll(tb testing.TB, b *Block, cols []column.Interface) {
	for _, c := range cols {
		c.Reset()
	}
	if err := b.AppendTo(cols); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkAdd(b *testing.B) {
	rows := testRows()
	const perOp = 10_000
	blk := New()
	fill := func() {
		for i := range perOp {
			blk.Add(&rows[i%len(rows)])
		}
		blk.Reset()
	}
	fill()
	b.ReportAllocs()
	for b.Loop() {
		fill()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perOp), "ns/row")
}

func BenchmarkAppendTo(b *testing.B) {
	const perOp = 10_000
	blk, cols := filledBlock(perOp), newColumns(b, typesOf(true))
	b.ReportAllocs()
	for b.Loop() {
		appendAll(b, blk, cols)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perOp), "ns/row")
}

// Bytes counts every string and array element of the rows added, and starts
// again at Reset.
func TestBytes(t *testing.T) {
	r := row.Row{Service: "svc", Message: "hello", StrKeys: []string{"k1", "k2"}, StrValues: []string{"ab", "c"},
		IntKeys: []string{"n"}, IntValues: []int64{7}, FloatKeys: []string{"f"}, FloatValues: []float64{1.5},
		BoolKeys: []string{"b"}, BoolValues: []bool{true}, Tags: []string{"t"}}
	strs := len("svc") + len("hello") + len("k1k2") + len("abc") + len("n") + len("f") + len("b") + len("t")
	want := strs + 8 + 8 + 1
	b := New()
	// Columns without a string in the row (severity, timestamp...) count
	// nothing; other string columns of r are empty.
	b.Add(&r)
	if got := b.Bytes(); got != want {
		t.Fatalf("Bytes() = %d after one row, want %d", got, want)
	}
	b.Add(&r)
	if got := b.Bytes(); got != 2*want {
		t.Fatalf("Bytes() = %d after two rows, want %d", got, 2*want)
	}
	b.Reset()
	if got := b.Bytes(); got != 0 {
		t.Fatalf("Bytes() = %d after Reset, want 0", got)
	}
}

// ZeroColumns tells the columns whose every row holds the zero value, by
// bits: a -0.0 duration, an empty array and an empty string are told apart
// as the server would store them.
func TestZeroColumns(t *testing.T) {
	rows := testRows()
	negZero := row.Row{TimestampNs: 2, HTTPDurationMs: math.Copysign(0, -1), Tags: []string{}}
	tests := []struct {
		name string
		rows []row.Row
	}{
		{"no rows", nil},
		{"full rows", rows[:1]},
		{"sparse rows", []row.Row{rows[1], rows[3]}},
		{"a negative zero", []row.Row{rows[1], negZero}},
		{"all of testRows", rows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New()
			for i := range tt.rows {
				b.Add(&tt.rows[i])
			}
			got := b.ZeroColumns(nil)
			require.Len(t, got, len(row.Columns))
			for i, c := range row.Columns {
				want := true
				for k := range tt.rows {
					if !zeroValue(c.Value.Any(&tt.rows[k])) {
						want = false
					}
				}
				assert.Equal(t, want, got[i], "column %s", c.Name)
			}
		})
	}
	b := New()
	b.Add(&negZero)
	zero := b.ZeroColumns(nil)
	assert.False(t, zero[columnIndex(t, "http_duration_ms")], "-0.0 is not the zero value")
	assert.True(t, zero[columnIndex(t, "tags")], "an empty array is")
	b.Reset()
	b.Add(&rows[1])
	assert.True(t, b.ZeroColumns(zero)[columnIndex(t, "http_duration_ms")], "after Reset, only the new rows count")
}

// zeroValue: a float by its bits, a slice by its length, anything else by
// reflect.
func zeroValue(v any) bool {
	if f, ok := v.(float64); ok {
		return math.Float64bits(f) == 0
	}
	r := reflect.ValueOf(v)
	if r.Kind() == reflect.Slice {
		return r.Len() == 0
	}
	return r.IsZero()
}

func columnIndex(t *testing.T, name string) int {
	t.Helper()
	for i, c := range row.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %s", name)
	return -1
}

// AppendColumns fills the columns of an INSERT that names some of
// row.Columns exactly as AppendRange fills the same columns of a full one.
func TestAppendColumns(t *testing.T) {
	const n = 11
	b := filledBlock(n)
	types := typesOf(false) // the driver reads LowCardinality rows back only once encoded
	whole := newColumns(t, types)
	require.NoError(t, b.AppendTo(whole))
	which := []int{0, 3, columnIndex(t, "tags"), columnIndex(t, "attr_str_values"), columnIndex(t, "http_status"), len(row.Columns) - 1}
	for _, rng := range [][2]int{{0, n}, {2, 7}, {5, 5}} {
		part := columnsOf(t, types, which)
		require.NoError(t, b.AppendColumns(part, which, rng[0], rng[1]))
		for k, i := range which {
			require.Equal(t, rng[1]-rng[0], part[k].Rows(), "column %s", row.Columns[i].Name)
			for r := rng[0]; r < rng[1]; r++ {
				assert.Equal(t, whole[i].Row(r, false), part[k].Row(r-rng[0], false), "rows [%d, %d): row %d column %s", rng[0], rng[1], r, row.Columns[i].Name)
			}
		}
	}
	var ce *ColumnError
	require.ErrorAs(t, b.AppendColumns(columnsOf(t, types, which[:2]), which, 0, n), &ce, "fewer columns than which names")
	assert.Equal(t, "(all)", ce.Column)
	require.ErrorAs(t, b.AppendColumns(columnsOf(t, types, which[:1]), []int{len(row.Columns)}, 0, n), &ce, "a column the block has not")
	assert.Equal(t, "(all)", ce.Column)
}

// columnsOf are new driver columns for the columns which of row.Columns.
func columnsOf(t *testing.T, types []string, which []int) []column.Interface {
	t.Helper()
	cols := make([]column.Interface, len(which))
	for k, i := range which {
		col, err := column.Type(types[i]).Column(row.Columns[i].Name, &column.ServerContext{})
		require.NoError(t, err)
		cols[k] = col
	}
	return cols
}
