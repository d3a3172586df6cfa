// Package migrate runs the SQL of internal/schema on a ClickHouse server:
// Migrator creates the schema or upgrades it to the latest version, and
// DropExpired enforces retention by dropping expired day partitions. It talks
// to the server only through DB, so the collector (clickhouse-go), tests
// (database/sql, see SQLDB) and in-process engines such as chDB run the very
// same steps.
//
//   - db.go: the DB interface and its database/sql adapter.
//   - migrate.go: the schema versions and Migrator.Run.
//   - ensure.go: what Run checks on every start (columns, TTL).
//   - retention.go: DropExpired.
package migrate

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aires-dev/aires/internal/schema"
)

// DB runs SQL on one ClickHouse server.
//
// Statements and queries are complete SQL text: internal/schema writes every
// value into them as a quoted literal, so there are no bind parameters, and
// every query returns String columns only. A client that returns rows as
// text implements Query directly (chDB: run the query with output format
// JSONCompactStrings and return its "data").
type DB interface {
	// Exec runs a statement that returns no rows (DDL, INSERT ... SELECT,
	// ALTER).
	Exec(ctx context.Context, query string) error
	// Query runs a query whose columns are all String and returns its rows.
	Query(ctx context.Context, query string) ([][]string, error)
}

// SQLDB adapts a database/sql handle (clickhouse-go's OpenDB, or any driver
// whose String columns scan into strings) to DB.
func SQLDB(db *sql.DB) DB { return sqlDB{db} }

type sqlDB struct{ db *sql.DB }

func (d sqlDB) Exec(ctx context.Context, query string) error {
	_, err := d.db.ExecContext(ctx, query)
	return err
}

func (d sqlDB) Query(ctx context.Context, query string) ([][]string, error) {
	rows, err := d.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	return ScanStrings(rows, len(cols))
}

// Scanner is a result set: database/sql's *sql.Rows and clickhouse-go's
// driver.Rows both are.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanStrings reads every row of rows, whose n columns are all String.
func ScanStrings(rows Scanner, n int) ([][]string, error) {
	var out [][]string
	for rows.Next() {
		row := make([]string, n)
		dest := make([]any, n)
		for i := range row {
			dest[i] = &row[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read a row of %d String columns: %w", n, err)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// ServerVersion reads the version of the server behind db, for
// schema.CapabilitiesOf.
func ServerVersion(ctx context.Context, db DB) (string, error) {
	rows, err := db.Query(ctx, schema.SelectVersion)
	if err != nil {
		return "", err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return "", fmt.Errorf("%s returned %d rows, want one", schema.SelectVersion, len(rows))
	}
	return rows[0][0], nil
}
