package airesclickhouseexporter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
)

// migration is one schema version. up must be idempotent: a collector can
// stop half-way through, and two collectors can run it at the same time.
type migration struct {
	version     uint32
	description string
	up          func(ctx context.Context, m *migrator) error
}

// migrations are the schema versions, in order. A version is applied once
// per events table and recorded in schema_migrations; never edit a released
// one, append a new version instead.
var migrations = []migration{
	{
		version:     1,
		description: "events table",
		up: func(ctx context.Context, m *migrator) error {
			return m.create(ctx, m.schema.Table, m.schema.CreateTable())
		},
	},
	{
		version:     2,
		description: "is_error alias column; per-minute error and HTTP materialized views",
		up: func(ctx context.Context, m *migrator) error {
			if err := m.ensureColumns(ctx); err != nil {
				return err
			}
			for _, v := range m.schema.Views() {
				if err := m.create(ctx, v.Target, v.CreateTarget); err != nil {
					return err
				}
				if err := m.create(ctx, v.MV, v.CreateMV); err != nil {
					return err
				}
			}
			return nil
		},
	},
}

// latestVersion is the schema version this exporter creates.
var latestVersion = migrations[len(migrations)-1].version

// migrator creates and upgrades the schema of one events table.
type migrator struct {
	conn    driver.Conn
	schema  schema.Schema
	version schema.Version
	logger  *zap.Logger
}

// run brings the schema to latestVersion: the database and migrations
// record, every version not yet recorded for this table, then what depends
// on the server and the config rather than on the version (alias columns a
// newer server supports, the TTL). Running it again changes nothing.
func (m *migrator) run(ctx context.Context) error {
	db := m.schema.Table.Database
	if err := m.exec(ctx, schema.CreateDatabase(db), func() (bool, error) { return m.databaseExists(ctx, db) }); err != nil {
		return fmt.Errorf("cannot create database %s on ClickHouse %s: %w; create it by hand or grant CREATE DATABASE", db, m.version, err)
	}
	mt := schema.MigrationsTable(db)
	if err := m.create(ctx, mt, schema.CreateMigrationsTable(db)); err != nil {
		return err
	}
	applied, err := m.applied(ctx)
	if err != nil {
		return err
	}
	current := uint32(0)
	if len(applied) > 0 {
		current = slices.Max(applied)
	}
	if current > latestVersion {
		m.logger.Warn("the schema is newer than this exporter: leaving it as it is",
			zap.String("table", m.schema.Table.String()), zap.Uint32("schema_version", current),
			zap.Uint32("exporter_schema_version", latestVersion))
	}
	for _, mig := range migrations {
		if slices.Contains(applied, mig.version) {
			continue
		}
		if err := mig.up(ctx, m); err != nil {
			return fmt.Errorf("schema version %d (%s) of %s on ClickHouse %s: %w", mig.version, mig.description, m.schema.Table, m.version, err)
		}
		if err := m.record(ctx, mig); err != nil {
			return err
		}
		m.logger.Info("applied schema version", zap.String("table", m.schema.Table.String()),
			zap.Uint32("version", mig.version), zap.String("description", mig.description))
	}
	if err := m.ensureColumns(ctx); err != nil {
		return fmt.Errorf("columns of %s on ClickHouse %s: %w", m.schema.Table, m.version, err)
	}
	return m.ensureTTL(ctx)
}

// exec runs a DDL statement. When it fails, exists tells whether what it
// creates is there anyway (a concurrent collector won the race: "already
// exists", codes 57, 82, 44, 15...), which counts as success.
func (m *migrator) exec(ctx context.Context, stmt string, exists func() (bool, error)) error {
	err := m.conn.Exec(ctx, stmt)
	if err == nil {
		return nil
	}
	if ok, cerr := exists(); cerr == nil && ok {
		m.logger.Debug("DDL failed but its object exists (created concurrently)", zap.Error(err))
		return nil
	}
	return err
}

// create runs a CREATE ... IF NOT EXISTS of table (or view) t.
func (m *migrator) create(ctx context.Context, t schema.Table, stmt string) error {
	if err := m.exec(ctx, stmt, func() (bool, error) { return m.tableExists(ctx, t) }); err != nil {
		return fmt.Errorf("cannot create %s on ClickHouse %s: %w", t, m.version, err)
	}
	return nil
}

func (m *migrator) databaseExists(ctx context.Context, db string) (bool, error) {
	var n uint64
	err := m.conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n)
	return n > 0, err
}

func (m *migrator) tableExists(ctx context.Context, t schema.Table) (bool, error) {
	var n uint64
	err := m.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", t.Database, t.Name).Scan(&n)
	return n > 0, err
}

// applied lists the versions recorded for this events table.
func (m *migrator) applied(ctx context.Context) ([]uint32, error) {
	mt := schema.MigrationsTable(m.schema.Table.Database)
	rows, err := m.conn.Query(ctx, "SELECT DISTINCT version FROM "+mt.String()+" WHERE table_name = ?", m.schema.Table.Name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", mt, err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (m *migrator) record(ctx context.Context, mig migration) error {
	mt := schema.MigrationsTable(m.schema.Table.Database)
	if err := m.insertRecord(ctx, mt, mig); err != nil {
		return fmt.Errorf("cannot record schema version %d in %s: %w", mig.version, mt, err)
	}
	return nil
}

func (m *migrator) insertRecord(ctx context.Context, mt schema.Table, mig migration) error {
	batch, err := m.conn.PrepareBatch(ctx, "INSERT INTO "+mt.String()+" (table_name, version, description, applied_at)")
	if err != nil {
		return err
	}
	defer func() { _ = batch.Close() }()
	if err := batch.Append(m.schema.Table.Name, mig.version, mig.description, time.Now()); err != nil {
		return err
	}
	return batch.Send()
}

// columns returns the names of the events table's columns.
func (m *migrator) columns(ctx context.Context) (map[string]bool, error) {
	t := m.schema.Table
	rows, err := m.conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", t.Database, t.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		have[name] = true
	}
	return have, rows.Err()
}

// ensureColumns adds the columns of the current DDL that the table lacks
// (18.16 has no ADD COLUMN IF NOT EXISTS, hence the look in system.columns).
// Existing columns are never changed: a table created on an older server
// keeps its types.
func (m *migrator) ensureColumns(ctx context.Context) error {
	have, err := m.columns(ctx)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		return fmt.Errorf("table %s does not exist", m.schema.Table)
	}
	for _, d := range m.schema.EventColumns() {
		if have[d.Name] {
			continue
		}
		err := m.exec(ctx, m.schema.AddColumn(d), func() (bool, error) {
			now, err := m.columns(ctx)
			return now[d.Name], err
		})
		if err != nil {
			return fmt.Errorf("cannot add column %s to %s: %w", d.Name, m.schema.Table, err)
		}
		m.logger.Info("added column", zap.String("table", m.schema.Table.String()), zap.String("column", d.Name))
	}
	return nil
}

// ensureTTL sets the TTL of the events table and the views' tables to the
// retention, where the server has TTL. Only a table whose TTL differs is
// altered (MODIFY TTL rewrites the table's parts on 20.5+).
func (m *migrator) ensureTTL(ctx context.Context) error {
	if !m.schema.Caps.TTL {
		return nil
	}
	for _, t := range m.ttlTables() {
		var engine string
		err := m.conn.QueryRow(ctx, "SELECT engine_full FROM system.tables WHERE database = ? AND name = ?",
			t.table.Database, t.table.Name).Scan(&engine)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a view dropped on purpose: not recreated
		}
		if err != nil {
			return fmt.Errorf("cannot read the TTL of %s: %w", t.table, err)
		}
		want := m.schema.TTL(t.timeColumn)
		if want == "" {
			if strings.Contains(engine, " TTL ") {
				m.logger.Warn("the table has a TTL but retention is 0 (keep forever): leaving the TTL; remove it with ALTER TABLE ... REMOVE TTL",
					zap.String("table", t.table.String()))
			}
			continue
		}
		if hasTTL(engine, want) {
			continue
		}
		if err := m.conn.Exec(ctx, schema.ModifyTTL(t.table, want)); err != nil {
			return fmt.Errorf("cannot set the TTL of %s to %s on ClickHouse %s: %w", t.table, want, m.version, err)
		}
		m.logger.Info("set TTL", zap.String("table", t.table.String()), zap.String("ttl", want))
	}
	return nil
}

type ttlTable struct {
	table      schema.Table
	timeColumn string
}

func (m *migrator) ttlTables() []ttlTable {
	out := []ttlTable{{m.schema.Table, "timestamp"}}
	for _, v := range m.schema.Views() {
		out = append(out, ttlTable{v.Target, v.TimeColumn})
	}
	return out
}

// hasTTL reports whether engineFull (system.tables.engine_full) already has
// the TTL expression want.
func hasTTL(engineFull, want string) bool {
	return strings.Contains(normalizeSQL(engineFull), normalizeSQL("TTL "+want))
}

// normalizeSQL drops what a server may reformat (spaces, backquotes, case)
// so an expression can be found in system.tables.engine_full.
func normalizeSQL(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "`", "", "\n", "").Replace(s))
}
