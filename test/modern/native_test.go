package modern

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/chblock"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

// readBack is one value read back from the events table: a SQL expression
// giving it as text, and the text the row says it must be.
type readBack struct {
	name string
	sql  string
	want func(r *row.Row) string
}

// storedReads reads every column of row.Columns, each against its own
// accessor, so a new column is checked without being listed here. Values go
// through text that cannot lose anything: strings as hex (any bytes, no
// escaping), floats as their bit patterns (NaN, -0 and the last digit
// included).
func storedReads(tb testing.TB) []readBack {
	tb.Helper()
	reads := make([]readBack, len(row.Columns))
	for i, c := range row.Columns {
		reads[i] = readBack{name: c.Name, sql: readExpr(tb, c), want: func(r *row.Row) string { return valueText(tb, c.Value.Any(r)) }}
	}
	return reads
}

// readExpr is the SQL giving column c's value, in TabSeparated, as
// valueText writes it.
func readExpr(tb testing.TB, c row.Column) string {
	tb.Helper()
	col := "`" + c.Name + "`"
	switch {
	case c.Type == "String":
		return "hex(" + col + ")"
	case c.Type == "Array(String)":
		return "arrayMap(x -> hex(x), " + col + ")"
	case c.Type == "Float64":
		return "toString(reinterpretAsUInt64(" + col + "))"
	case c.Type == "Array(Float64)":
		return "arrayMap(x -> reinterpretAsUInt64(x), " + col + ")"
	case c.Type == "DateTime":
		return "toString(toUnixTimestamp(" + col + "))"
	case strings.HasPrefix(c.Type, "Enum8("):
		return "toString(CAST(" + col + ", 'Int8'))"
	case c.Type == "UUID", strings.HasPrefix(c.Type, "Int"), strings.HasPrefix(c.Type, "UInt"),
		strings.HasPrefix(c.Type, "Array(Int"), strings.HasPrefix(c.Type, "Array(UInt"):
		return "toString(" + col + ")"
	}
	tb.Fatalf("column %s: no way to read back type %s; add one to readExpr", c.Name, c.Type)
	return ""
}

// valueText is a row value as readExpr's SQL prints it.
func valueText(tb testing.TB, v any) string {
	tb.Helper()
	switch v := v.(type) {
	case [16]byte:
		return uuid.UUID(v).String()
	case string:
		return hexText(v)
	case float64:
		return floatBits(v)
	case int8, uint16, uint64, int64:
		return fmt.Sprint(v)
	case []string:
		return listText(v, func(s string) string { return "'" + hexText(s) + "'" })
	case []float64:
		return listText(v, floatBits)
	case []int64:
		return listText(v, func(n int64) string { return strconv.FormatInt(n, 10) })
	case []bool:
		return listText(v, boolText)
	}
	tb.Fatalf("no text for a column value of type %T; add it to valueText", v)
	return ""
}

// hexText is s as ClickHouse's hex() writes it.
func hexText(s string) string { return fmt.Sprintf("%X", s) }

func floatBits(f float64) string { return strconv.FormatUint(math.Float64bits(f), 10) }

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// listText is a list as TabSeparated writes a ClickHouse array (arrays of
// hex strings and numbers: nothing to escape).
func listText[T any](vs []T, text func(T) string) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = text(v)
	}
	return "[" + strings.Join(s, ",") + "]"
}

// aliasReads check what the stored values mean on 26.7, from the Row's
// fields rather than the column accessors: the seconds and the severity name
// as stored, and the alias columns of the 26.7 DDL (timestamp64, is_error,
// and each Map looked up by every key).
func aliasReads() []readBack {
	reads := []readBack{
		{"timestamp (seconds of timestamp_ns)", "toString(toUnixTimestamp(timestamp))",
			func(r *row.Row) string { return strconv.FormatUint(r.TimestampNs/1e9, 10) }},
		{"severity (name)", "toString(severity)", func(r *row.Row) string { return r.Severity.String() }},
		{"timestamp64", "toString(toUnixTimestamp64Nano(timestamp64))",
			func(r *row.Row) string { return strconv.FormatUint(r.TimestampNs, 10) }},
		{"is_error", "toString(is_error)",
			func(r *row.Row) string {
				return boolText(r.Severity == row.SeverityError || r.Severity == row.SeverityFatal)
			}},
	}
	hexQuoted := func(s string) string { return "'" + hexText(s) + "'" }
	intText := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, m := range []struct {
		alias, value string // value: the SQL printing one map value (%s) as valueText does
		keys         func(r *row.Row) []string
		values       func(r *row.Row) string
	}{
		{"attr_str", "hex(%s)", func(r *row.Row) []string { return r.StrKeys }, func(r *row.Row) string { return listText(r.StrValues, hexQuoted) }},
		{"attr_int", "%s", func(r *row.Row) []string { return r.IntKeys }, func(r *row.Row) string { return listText(r.IntValues, intText) }},
		{"attr_float", "reinterpretAsUInt64(%s)", func(r *row.Row) []string { return r.FloatKeys }, func(r *row.Row) string { return listText(r.FloatValues, floatBits) }},
		{"attr_bool", "%s", func(r *row.Row) []string { return r.BoolKeys }, func(r *row.Row) string { return listText(r.BoolValues, boolText) }},
		{"resource", "hex(%s)", func(r *row.Row) []string { return r.ResourceKeys }, func(r *row.Row) string { return listText(r.ResourceValues, hexQuoted) }},
	} {
		reads = append(reads,
			readBack{m.alias + " keys", "arrayMap(x -> hex(x), mapKeys(" + m.alias + "))",
				func(r *row.Row) string { return listText(m.keys(r), hexQuoted) }},
			readBack{m.alias + " lookups", "arrayMap(k -> " + fmt.Sprintf(m.value, m.alias+"[k]") + ", mapKeys(" + m.alias + "))",
				m.values})
	}
	return reads
}

// exporterBlock builds ld into a column block the way the exporter's pushLogs
// does (logsExporter.fill: the builder with the default limits, one scratch
// row reused for every record, Add after each Build), and returns the
// expected text of every read for each row, by row id, taken from the
// scratch row right after its Build.
func exporterBlock(tb testing.TB, ld plog.Logs, reads []readBack) (*chblock.Block, map[string][]string) {
	tb.Helper()
	builder := row.NewBuilder(row.Limits{})
	blk := chblock.New()
	var r row.Row
	want := map[string][]string{}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				builder.Build(res, lrs.At(k), &r)
				blk.Add(&r)
				id := uuid.UUID(r.ID).String()
				if _, dup := want[id]; dup {
					tb.Fatalf("two records build the same row id %s: make them differ", id)
				}
				texts := make([]string, len(reads))
				for n, rd := range reads {
					texts[n] = rd.want(&r)
				}
				want[id] = texts
			}
		}
	}
	return blk, want
}

// tableTypes are the types of the stored columns of table on e, in
// row.Columns order, as the server declares them (LowCardinality included).
func tableTypes(tb testing.TB, e sqlEngine, table schema.Table) []string {
	tb.Helper()
	// TabSeparatedRaw: the Enum8 type's quotes unescaped.
	out, err := e.Query(fmt.Sprintf("SELECT name, type FROM system.columns WHERE database = '%s' AND table = '%s' AND default_kind != 'ALIAS' ORDER BY position",
		table.Database, table.Name), "TabSeparatedRaw")
	if err != nil {
		tb.Fatal(err)
	}
	var got [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		got = append(got, strings.Split(line, "\t"))
	}
	if len(got) != len(row.Columns) {
		tb.Fatalf("%s has %d stored columns, row.Columns %d: %q", table, len(got), len(row.Columns), got)
	}
	types := make([]string, len(got))
	for i, c := range got {
		if c[0] != row.Columns[i].Name {
			tb.Fatalf("stored column %d of %s is %s, row.Columns has %s", i, table, c[0], row.Columns[i].Name)
		}
		types[i] = c[1]
	}
	return types
}

// TestExporterRowsNative: the column block exactly as the exporter builds it
// for an insert, written in the Native format with the column types of the
// events table the schema creates on 26.7 and loaded into it, reads back
// equal to the rows, column by column, for records covering every field and
// type; and the alias columns read right for those rows.
func TestExporterRowsNative(t *testing.T) {
	e := engine(t)
	// No retention: some records are dated 1970, which a TTL may drop.
	s := schema.Schema{Table: schema.Table{Database: "native_rows", Name: "events"}, Caps: schema.CapabilitiesOf(engineVersion(t, e))}
	mustExec(t, e, s.Statements()...)
	types := tableTypes(t, e, s.Table)
	if !strings.Contains(strings.Join(types, ","), "LowCardinality(String)") {
		t.Fatalf("the 26.7 table has no LowCardinality column (%v): the test would not cover them", types)
	}

	reads := append(storedReads(t), aliasReads()...)
	ld := exporterLogs()
	blk, want := exporterBlock(t, ld, reads)
	if blk.Len() != ld.LogRecordCount() {
		t.Fatalf("block has %d rows for %d records", blk.Len(), ld.LogRecordCount())
	}
	checkCoverage(t, reads, want)
	data, err := blk.Native(types)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.InsertNative(strings.TrimPrefix(schema.Insert(s.Table), "INSERT INTO "), data); err != nil {
		t.Fatal(err)
	}

	exprs := make([]string, len(reads))
	for i, rd := range reads {
		exprs[i] = rd.sql
	}
	got := rows(t, e, "SELECT toString(id), "+strings.Join(exprs, ", ")+" FROM "+s.Table.String())
	if len(got) != len(want) {
		t.Errorf("read back %d rows, inserted %d", len(got), len(want))
	}
	t.Logf("%d rows read back, %d values each compared", len(got), len(reads))
	seen := map[string]bool{}
	for _, g := range got {
		id := g[0]
		w, ok := want[id]
		switch {
		case !ok:
			t.Errorf("read back row id %s, not inserted", id)
			continue
		case seen[id]:
			t.Errorf("row id %s read back twice", id)
		case len(g) != 1+len(reads):
			t.Fatalf("row %s: %d fields read back, want %d", id, len(g), 1+len(reads))
		}
		seen[id] = true
		for i, rd := range reads {
			if g[1+i] != w[i] {
				t.Errorf("row %s, %s: %s", id, rd.name, difference(g[1+i], w[i]))
			}
		}
	}
}

// checkCoverage fails the test when the records leave a read at its value
// for an empty row (a new column the records do not set yet), or miss a
// severity level.
func checkCoverage(tb testing.TB, reads []readBack, want map[string][]string) {
	tb.Helper()
	levels := map[string]bool{}
	for i, rd := range reads {
		zero, set := rd.want(&row.Row{}), false
		for _, w := range want {
			set = set || w[i] != zero
			if rd.name == "severity (name)" {
				levels[w[i]] = true
			}
		}
		if !set {
			tb.Errorf("no record sets %s: add one to exporterLogs", rd.name)
		}
	}
	for s := row.SeverityTrace; s <= row.SeverityFatal; s++ {
		if !levels[s.String()] {
			tb.Errorf("no record has severity %s: add one to exporterLogs", s)
		}
	}
}

// difference shows where got and want part, around the first byte that
// differs (values run to 16 KB of hex).
func difference(got, want string) string {
	const around = 60
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	clip := func(s string) string {
		from, to := max(i-around, 0), min(i+around, len(s))
		return fmt.Sprintf("%s (%d bytes, from byte %d)", s[from:to], len(s), from)
	}
	return fmt.Sprintf("differs at byte %d\n got %s\nwant %s", i, clip(got), clip(want))
}
