// Package schema generates the SQL of the Aires storage for a given
// ClickHouse server version: the DDL of the events table, its materialized
// views and the migrations record, and every query the exporter runs to
// migrate and maintain them. Every version gets the same columns, in the same
// order, so the INSERT and the dashboard queries never change; what a version
// adds (codecs, LowCardinality, data-skipping indexes, alias columns, TTL) is
// layered on top only where the server has it.
//
// The package only builds SQL text, it runs nothing: internal/schema/migrate
// runs it against any client. Values are written into the statements as
// quoted literals (no bind parameters), so they run unchanged through
// clickhouse-go, database/sql or an in-process engine such as chDB. Every
// query returns String columns only (see the migrate.DB interface).
//
// Which file owns what:
//
//   - version.go: server versions and the capabilities each has.
//   - ddl.go: the stored and alias columns, table names and quoting, the
//     events table's CREATE, ADD COLUMN and INSERT, the whole DDL in order.
//   - views.go: the per-minute materialized views and their target tables.
//   - ttl.go: TTL expressions, intervals, MODIFY TTL and reading a table's
//     TTL back from system.tables.
//   - migrations_table.go: the schema_migrations record (DDL, read, write).
//   - system_tables.go: existence checks on system.databases, system.tables
//     and system.columns, and string literals.
//   - retention.go: listing day partitions and dropping the expired ones.
//   - cluster.go: cluster mode: ON CLUSTER, the per-shard _local tables,
//     the Distributed tables over them, the insert settings and the
//     statements that differ on a cluster.
package schema
