package airesclickhouseexporter

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/schema/migrate"
)

// schemaDB runs the SQL of internal/schema (the migrations at start, the
// retention janitor) on the exporter's clickhouse-go connection.
type schemaDB struct{ conn driver.Conn }

var _ migrate.DB = schemaDB{}

func (d schemaDB) Exec(ctx context.Context, query string) error { return d.conn.Exec(ctx, query) }

func (d schemaDB) Query(ctx context.Context, query string) ([][]string, error) {
	rows, err := d.conn.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return migrate.ScanStrings(rows, len(rows.Columns()))
}
