package schema

import "strings"

// SelectVersion reads the server's version (ParseVersion parses it).
const SelectVersion = "SELECT version()"

var literalEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// Literal writes s as a ClickHouse string literal. The names it is used for
// are plain identifiers (ValidIdentifier), but descriptions are free text,
// so backslashes and quotes are escaped rather than trusted.
func Literal(s string) string { return "'" + literalEscaper.Replace(s) + "'" }

// DatabaseExists is a query returning one row (the name) when database db
// exists and none otherwise.
func DatabaseExists(db string) string {
	return "SELECT name FROM system.databases WHERE name = " + Literal(db)
}

// TableExists is a query returning one row (the name) when table or view t
// exists and none otherwise.
func TableExists(t Table) string {
	return "SELECT name FROM system.tables WHERE " + t.systemTablesFilter()
}

// ColumnNames is a query listing the names of table t's columns, one a row;
// no row when t does not exist. 18.16 has no ADD COLUMN IF NOT EXISTS: this
// is how a migration finds the columns a table lacks.
func ColumnNames(t Table) string {
	return "SELECT name FROM system.columns WHERE database = " + Literal(t.Database) + " AND table = " + Literal(t.Name)
}

// ColumnDefaults is a query listing table t's columns, one a row: name,
// type and default_kind (empty when the column has no DEFAULT,
// MATERIALIZED or ALIAS expression). Omittable reads its rows.
func ColumnDefaults(t Table) string {
	return "SELECT name, type, default_kind FROM system.columns WHERE database = " + Literal(t.Database) + " AND table = " + Literal(t.Name)
}

// Omittable reads the rows of ColumnDefaults: omit[i] tells whether column
// i of Columns may be left out of an INSERT whose rows all hold the zero
// value there (the empty string or array, a number or UUID of zero bits),
// because the server fills in that same value. That is so when the table
// has the column without a default expression, with a type whose default
// is its zero value: not an Enum (whose default is its first value), not a
// Nullable (NULL), nor a type not listed in zeroDefaultTypes. A column the
// rows do not describe is never omitted.
func Omittable(rows [][]string) []bool {
	omit := make([]bool, len(Columns))
	byName := make(map[string]int, len(Columns))
	for i, c := range Columns {
		byName[c.Name] = i
	}
	for _, r := range rows {
		if len(r) < 3 {
			continue
		}
		i, ok := byName[r[0]]
		if !ok || r[2] != "" {
			continue
		}
		omit[i] = zeroDefault(r[1])
	}
	return omit
}

// zeroDefaultTypes are the type prefixes whose default value is all zero
// bits, as the block holds an unset value.
var zeroDefaultTypes = []string{"String", "FixedString(", "UUID", "UInt", "Int", "Float", "DateTime", "Array("}

func zeroDefault(typ string) bool {
	if inner, ok := strings.CutPrefix(typ, "LowCardinality("); ok {
		typ = inner
	}
	for _, p := range zeroDefaultTypes {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

// systemTablesFilter selects t's row of system.tables.
func (t Table) systemTablesFilter() string {
	return "database = " + Literal(t.Database) + " AND name = " + Literal(t.Name)
}
