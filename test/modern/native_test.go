package modern

import (
	"fmt"
	"strings"
	"testing"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	"github.com/google/uuid"
)

// nativeBlock encodes columns, clickhouse-go's column.Interface as a batch
// (and the exporter's block) fills them, as one block of ClickHouse's Native
// format: the driver's own block encoding at revision 0, which is the
// format's layout (no block info, no custom-serialization flags).
func nativeBlock(cols []column.Interface) ([]byte, error) {
	var buf chproto.Buffer
	b := proto.Block{Columns: cols}
	if err := b.Encode(&buf, 0); err != nil {
		return nil, err
	}
	return buf.Buf, nil
}

// newColumn is a clickhouse-go column of type typ holding values.
func newColumn(tb testing.TB, name, typ string, values ...any) column.Interface {
	tb.Helper()
	col, err := column.Type(typ).Column(name, &column.ServerContext{Timezone: time.UTC})
	if err != nil {
		tb.Fatal(err)
	}
	for _, v := range values {
		if err := col.AppendRow(v); err != nil {
			tb.Fatalf("column %s %s: append %v: %v", name, typ, v, err)
		}
	}
	return col
}

// TestNativeLoad: columns encoded by the driver in the Native format load
// into 26.7 and read back equal, for the kinds of column the events table
// has (UUID, DateTime, UInt64, LowCardinality(String), Enum8, String,
// Array(String), Array(Int64), UInt16, Float64). It is the path the
// exporter's own block will take once it is importable from here.
func TestNativeLoad(t *testing.T) {
	e := engine(t)
	id := uuid.MustParse("019a0000-0000-7000-8000-00000000002a")
	ts := time.Date(2026, 11, 20, 10, 0, 1, 0, time.UTC)
	cols := []column.Interface{
		newColumn(t, "id", "UUID", id, uuid.Nil),
		newColumn(t, "timestamp", "DateTime", ts, ts.Add(time.Second)),
		newColumn(t, "timestamp_ns", "UInt64", uint64(ts.UnixNano()), uint64(ts.UnixNano()+1)),
		newColumn(t, "service", "LowCardinality(String)", "checkout", "checkout"),
		newColumn(t, "severity", "Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6)", "error", "info"),
		newColumn(t, "message", "String", "payment\tdeclined\n", ""),
		newColumn(t, "tags", "Array(String)", []string{"a", "b"}, []string{}),
		newColumn(t, "attr_int_values", "Array(Int64)", []int64{-1, 1 << 40}, []int64{}),
		newColumn(t, "http_status", "UInt16", uint16(503), uint16(0)),
		newColumn(t, "http_duration_ms", "Float64", 12.5, 0.0),
	}
	var defs, names []string
	for _, c := range cols {
		defs = append(defs, fmt.Sprintf("`%s` %s", c.Name(), c.Type()))
		names = append(names, c.Name())
	}
	mustExec(t, e, "CREATE DATABASE native",
		"CREATE TABLE native.t ("+strings.Join(defs, ", ")+") ENGINE = MergeTree ORDER BY timestamp")
	data, err := nativeBlock(cols)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.InsertNative("native.t ("+strings.Join(names, ", ")+")", data); err != nil {
		t.Fatal(err)
	}
	got := rows(t, e, "SELECT toString(id), toUnixTimestamp(timestamp), timestamp_ns, service, severity, message, tags, attr_int_values, http_status, http_duration_ms FROM native.t ORDER BY timestamp")
	want := [][]string{
		{id.String(), fmt.Sprint(ts.Unix()), fmt.Sprint(ts.UnixNano()), "checkout", "error", `payment\tdeclined\n`, "['a','b']", "[-1,1099511627776]", "503", "12.5"},
		{uuid.Nil.String(), fmt.Sprint(ts.Unix() + 1), fmt.Sprint(ts.UnixNano() + 1), "checkout", "info", "", "[]", "[]", "0", "0"},
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("read back:\n got %q\nwant %q", got, want)
	}
}
