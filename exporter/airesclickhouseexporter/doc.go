// Package airesclickhouseexporter exports logs to ClickHouse as rows of the
// Aires events table (component type aires_clickhouse).
//
// Each log record becomes one row through internal/row (the same code the
// aires_transform processor uses); rows are copied column by column into a
// reusable block (internal/chblock), the request's data is let go, and the
// block is inserted over the native protocol with clickhouse-go, with an
// explicit column list, in pieces of about 256 KiB (inserter.go).
// exporterhelper provides the sending queue; batcher.go merges the requests
// into inserts (group commit); store.go retries an insert from its block and
// answers each request once its rows are stored.
//
// At start, with create_schema, internal/schema/migrate brings the storage to
// the current schema version (internal/schema generates the SQL for the
// server's version: the events table, the per-minute error and HTTP
// materialized views, TTL where the server has it) and records it in
// schema_migrations; every step is idempotent and tolerates a concurrent
// collector. migrate.go adapts the clickhouse-go connection to the
// migrator's DB interface. With a retention, retention.go runs a janitor
// goroutine (at start, then hourly, stopped by Shutdown) that drops expired
// day partitions of the events table and the views (migrate.DropExpired).
//
// A retried batch is never stored twice: every insert carries the server's
// deduplication token where it has one, and doubt.go resolves, on every
// server, an insert whose outcome is unknown (broken while sending, or in
// flight at a crash: journal.go keeps those in the persistent queue's
// storage) by looking up its ids in the table before anything else is sent.
//
// See README.md for the settings, the columns, the views, the version
// matrix and retries without duplicates.
//
// internal/metadata, documentation.md and the generated_*_test.go files come
// from mdatagen v0.159.0 (the newest the module proxy serves that builds
// here), run by `make generate`; its output compiles and passes against
// collector v0.165.0.
//
//go:generate mdatagen metadata.yaml
package airesclickhouseexporter
