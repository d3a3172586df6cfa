package schema

import (
	"fmt"
	"time"
)

// MigrationsTableName is the table, in the events database, recording which
// schema versions have been applied to which events table.
const MigrationsTableName = "schema_migrations"

// MigrationsTable names the migrations table of database db.
func MigrationsTable(db string) Table { return Table{Database: db, Name: MigrationsTableName} }

// CreateMigrationsTable creates the migrations record. Two collectors that
// migrate at once may both record a version: ReplacingMergeTree folds the
// duplicates, and readers use DISTINCT.
func CreateMigrationsTable(db string) string {
	return "CREATE TABLE IF NOT EXISTS " + MigrationsTable(db).String() + `
(
    ` + "`table_name`" + ` String,
    ` + "`version`" + ` UInt32,
    ` + "`description`" + ` String,
    ` + "`applied_at`" + ` DateTime
)
ENGINE = ReplacingMergeTree()
ORDER BY (table_name, version)
`
}

// AppliedVersions is a query listing, one a row as decimal text, the schema
// versions recorded for events table t.
func AppliedVersions(t Table) string {
	return "SELECT DISTINCT toString(version) FROM " + MigrationsTable(t.Database).String() +
		" WHERE table_name = " + Literal(t.Name)
}

// RecordVersion is the statement recording that schema version (with its
// description) was applied to events table t at the instant at. It is an
// INSERT ... SELECT, with no data after the statement, so every client can
// run it as a plain statement.
func RecordVersion(t Table, version uint32, description string, at time.Time) string {
	return fmt.Sprintf("INSERT INTO %s (table_name, version, description, applied_at) SELECT %s, toUInt32(%d), %s, toDateTime(%d)",
		MigrationsTable(t.Database), Literal(t.Name), version, Literal(description), at.Unix())
}
