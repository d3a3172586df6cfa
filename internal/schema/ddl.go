package schema

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aires-dev/aires/internal/row"
)

// Column is one stored column of the events table. The list lives in
// internal/row, next to the Row fields the values come from.
type Column = row.Column

// Columns are the stored columns, in INSERT order. Their names are a
// user-facing API: never rename or reorder, only append.
var Columns = row.Columns[:]

// aliases are computed columns: free at insert, handy in queries. They are
// never part of the INSERT.
var aliases = []struct {
	name, typ, expr string
	need            func(Capabilities) bool
}{
	{"timestamp64", "DateTime64(9)", "fromUnixTimestamp64Nano(toInt64(timestamp_ns))", func(c Capabilities) bool { return c.DateTime64 }},
	{"attr_str", "Map(String, String)", "CAST((attr_str_keys, attr_str_values), 'Map(String, String)')", func(c Capabilities) bool { return c.Map }},
	{"attr_int", "Map(String, Int64)", "CAST((attr_int_keys, attr_int_values), 'Map(String, Int64)')", func(c Capabilities) bool { return c.Map }},
	{"attr_float", "Map(String, Float64)", "CAST((attr_float_keys, attr_float_values), 'Map(String, Float64)')", func(c Capabilities) bool { return c.Map }},
	{"attr_bool", "Map(String, UInt8)", "CAST((attr_bool_keys, attr_bool_values), 'Map(String, UInt8)')", func(c Capabilities) bool { return c.Map }},
	{"resource", "Map(String, String)", "CAST((resource_keys, resource_values), 'Map(String, String)')", func(c Capabilities) bool { return c.Map }},
	// is_error is the one definition of "an error" shared by ad-hoc queries
	// and the errors view (schema version 2).
	{"is_error", "UInt8", IsErrorExpr, func(Capabilities) bool { return true }},
}

// IsErrorExpr is what counts as an error event: severity error or fatal (a
// fatal event is an error that also ended the process; leaving it out would
// make a crashing service look healthy).
const IsErrorExpr = "severity IN ('error', 'fatal')"

// indexes are data-skipping indexes for point lookups; messageIndex adds
// text search.
var indexes = []string{
	"INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1",
	"INDEX idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1",
	"INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1",
}

// messageIndex is the search index on message, for hasToken, LIKE and
// hasAnyTokens/hasAllTokens. Where the server has the text (inverted) index,
// it replaces the token bloom filter: it answers exactly which granules hold
// a token instead of a probabilistic per-granule filter, and needs no size
// tuning. Same name either way, so queries and EXPLAIN read the same.
func (c Capabilities) messageIndex() string {
	if c.TextIndex {
		return "INDEX idx_message message TYPE text(tokenizer = 'splitByNonAlpha')"
	}
	return "INDEX idx_message message TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1"
}

// Table names a table.
type Table struct {
	Database string
	Name     string
}

func (t Table) String() string { return quote(t.Database) + "." + quote(t.Name) }

// Schema is everything the exporter creates for one events table on one
// server or one cluster: the table, its views, their retention.
type Schema struct {
	Table Table // the events table, the name users query
	Caps  Capabilities
	// Retention is how long rows are kept; 0 keeps them forever. A whole
	// number of hours (config validation).
	Retention time.Duration
	// Cluster is cluster mode (see Cluster); the zero value is one server.
	Cluster Cluster
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidIdentifier reports whether s is a plain identifier (letters, digits,
// underscores, not starting with a digit): the only names the DDL accepts,
// so no quoting rules can be broken.
func ValidIdentifier(s string) bool { return identRE.MatchString(s) }

func quote(s string) string { return "`" + s + "`" }

// columnType is typ, as LowCardinality(typ) when lowCardinality is set and
// the server has it.
func (c Capabilities) columnType(typ string, lowCardinality bool) string {
	if lowCardinality && c.LowCardinality {
		return "LowCardinality(" + typ + ")"
	}
	return typ
}

// CreateDatabase is the statement creating the database on one server.
func CreateDatabase(database string) string {
	return "CREATE DATABASE IF NOT EXISTS " + quote(database)
}

// CreateDatabase is the statement creating the events database, on every
// server in cluster mode.
func (s Schema) CreateDatabase() string {
	return CreateDatabase(s.Table.Database) + s.onCluster()
}

// CreateTable is the statement creating the events table on a server with
// capabilities c, without retention. See Schema.CreateTable.
func CreateTable(t Table, c Capabilities) string {
	return Schema{Table: t, Caps: c}.CreateTable()
}

// ColumnDef is one column of the events table as the DDL declares it.
type ColumnDef struct {
	Name string
	// Def is the column definition: name, type, codec or ALIAS expression.
	Def string
	// Alias marks computed columns (not stored, not inserted).
	Alias bool
}

// EventColumns are the columns of the events table on this server: the
// stored columns (the INSERT's), then the alias columns the server supports.
func (s Schema) EventColumns() []ColumnDef {
	defs := make([]ColumnDef, 0, len(Columns)+len(aliases))
	for _, col := range Columns {
		def := quote(col.Name) + " " + s.Caps.columnType(col.Type, col.LowCardinality)
		if col.Codec != "" && s.Caps.Codecs {
			def += " CODEC(" + col.Codec + ")"
		}
		defs = append(defs, ColumnDef{Name: col.Name, Def: def})
	}
	for _, a := range aliases {
		if a.need(s.Caps) {
			defs = append(defs, ColumnDef{Name: a.name, Def: quote(a.name) + " " + a.typ + " ALIAS " + a.expr, Alias: true})
		}
	}
	return defs
}

// columnLines are the events table's column definitions, indented.
func (s Schema) columnLines() []string {
	var lines []string
	for _, d := range s.EventColumns() {
		lines = append(lines, "    "+d.Def)
	}
	return lines
}

// CreateTable is the statement creating the table holding the events
// (LocalTable: the events table on one server, <table>_local on every shard
// in cluster mode). The 18.16-era syntax (ENGINE = MergeTree() PARTITION BY
// ... ORDER BY ...) is valid on every supported version; TTL is added where
// the server has it and a retention is set, the deduplication window where
// the server has it.
func (s Schema) CreateTable() string {
	lines := s.columnLines()
	if s.Caps.SkipIndexes {
		for _, idx := range indexes {
			lines = append(lines, "    "+idx)
		}
		lines = append(lines, "    "+s.Caps.messageIndex())
	}
	var b strings.Builder
	local := s.LocalTable()
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s%s\n(\n", local, s.onCluster())
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n)\nENGINE = " + s.engine("MergeTree", local) + "\nPARTITION BY toDate(timestamp)\nORDER BY (service, severity, timestamp)\n")
	if ttl := s.TTL("timestamp"); ttl != "" {
		b.WriteString("TTL " + ttl + "\n")
	}
	b.WriteString(s.tableSettings())
	return b.String()
}

// AddColumn is the statement adding column d to the existing table holding
// the events (LocalTable, on every shard in cluster mode).
// Stored columns go after their predecessor in Columns, so the table keeps
// the documented order; alias columns go last (18.16 refuses AFTER on an
// ALIAS column). 18.16 has no ADD COLUMN IF NOT EXISTS: the caller checks
// system.columns first.
func (s Schema) AddColumn(d ColumnDef) string {
	stmt := "ALTER TABLE " + s.LocalTable().String() + s.onCluster() + " ADD COLUMN " + d.Def
	if !d.Alias {
		for i, c := range Columns {
			if c.Name == d.Name && i > 0 {
				stmt += " AFTER " + quote(Columns[i-1].Name)
			}
		}
	}
	return stmt
}

// Insert is the INSERT statement, with its explicit column list (18.16
// rejects a bare INSERT over the native protocol). It is the same on every
// server version.
func Insert(t Table) string { return InsertColumns(t, nil) }

// InsertColumns is the INSERT statement naming only the columns which
// lists, by their place in Columns (empty: every column). The server gives
// the columns left out their default (see Omittable).
func InsertColumns(t Table, which []int) string {
	names := make([]string, 0, len(Columns))
	for _, i := range which {
		names = append(names, Columns[i].Name)
	}
	if len(which) == 0 {
		for _, c := range Columns {
			names = append(names, c.Name)
		}
	}
	return "INSERT INTO " + t.String() + " (" + strings.Join(names, ", ") + ")"
}

// Statements are the DDL that creates the whole schema from nothing, in
// order: database, migrations record, events table (in cluster mode the
// per-shard table, then the Distributed one), then each view's target
// table, view (and Distributed table).
func (s Schema) Statements() []string {
	out := []string{s.CreateDatabase(), s.CreateMigrationsTable(), s.CreateTable()}
	if s.Clustered() {
		out = append(out, s.CreateDistributed())
	}
	for _, v := range s.Views() {
		out = append(out, v.CreateTarget, v.CreateMV)
		if s.Clustered() {
			out = append(out, v.CreateDistributed)
		}
	}
	return out
}
