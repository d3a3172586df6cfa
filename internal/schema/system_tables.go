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

// systemTablesFilter selects t's row of system.tables.
func (t Table) systemTablesFilter() string {
	return "database = " + Literal(t.Database) + " AND name = " + Literal(t.Name)
}
