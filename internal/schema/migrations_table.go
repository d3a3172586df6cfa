package schema

import (
	"fmt"
	"strings"
	"time"
)

// MigrationsTableName is the table, in the events database, recording which
// schema versions have been applied to which events table.
const MigrationsTableName = "schema_migrations"

// MigrationsTable names the migrations table of database db.
func MigrationsTable(db string) Table { return Table{Database: db, Name: MigrationsTableName} }

// CreateMigrationsTable creates the migrations record on one server. Two
// collectors that migrate at once may both record a version:
// ReplacingMergeTree folds the duplicates, and readers use DISTINCT.
func CreateMigrationsTable(db string) string {
	return createMigrationsTable(db, "", "ReplacingMergeTree()")
}

// CreateMigrationsTable creates the migrations record. In cluster mode with
// replication it is one table for the whole cluster: every server is a
// replica of it (its ZooKeeper path has "all" for {shard}, its replica
// names are "<shard>-<replica>"), so a version recorded through any server
// is seen from all of them and a collector on another shard does not run
// the migrations again.
func (s Schema) CreateMigrationsTable() string {
	db := s.Table.Database
	engine := "ReplacingMergeTree()"
	if s.replicated() {
		path := strings.ReplaceAll(s.zooKeeperPath(MigrationsTable(db)), "{shard}", "all")
		engine = "ReplicatedReplacingMergeTree(" + Literal(path) + ", " + Literal("{shard}-"+s.Cluster.ReplicaName) + ")"
	}
	return createMigrationsTable(db, s.onCluster(), engine)
}

func createMigrationsTable(db, onCluster, engine string) string {
	return "CREATE TABLE IF NOT EXISTS " + MigrationsTable(db).String() + onCluster + `
(
    ` + "`table_name`" + ` String,
    ` + "`version`" + ` UInt32,
    ` + "`description`" + ` String,
    ` + "`applied_at`" + ` DateTime
)
ENGINE = ` + engine + `
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
