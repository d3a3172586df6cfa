package migrate_test

import (
	"context"
	"database/sql"
	"time"

	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
)

// Running the exporter's migrations and retention from another module: any
// client that executes SQL text will do (here database/sql; a chDB session
// needs a DB of its own, a few lines, see DB).
func Example() {
	var handle *sql.DB // e.g. clickhouse.OpenDB(...)
	ctx := context.Background()
	db := migrate.SQLDB(handle)

	version, err := migrate.ServerVersion(ctx, db)
	if err != nil {
		return
	}
	v, err := schema.ParseVersion(version)
	if err != nil {
		return
	}
	m := &migrate.Migrator{DB: db, Server: v, Schema: schema.Schema{
		Table:     schema.Table{Database: "aires", Name: "events"},
		Caps:      schema.CapabilitiesOf(v),
		Retention: 30 * 24 * time.Hour,
	}}
	if err := m.Run(ctx); err != nil {
		return
	}
	_, _ = migrate.DropExpired(ctx, db, m.Schema, time.Now())
}
