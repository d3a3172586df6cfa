package migrate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
)

// migration is one schema version. up must be idempotent: a collector can
// stop half-way through, and two collectors can run it at the same time.
type migration struct {
	version     uint32
	description string
	up          func(ctx context.Context, m *Migrator) error
}

// migrations are the schema versions, in order. A version is applied once
// per events table and recorded in schema_migrations; never edit a released
// one, append a new version instead.
var migrations = []migration{
	{
		version:     1,
		description: "events table",
		up: func(ctx context.Context, m *Migrator) error {
			if err := m.create(ctx, m.Schema.LocalTable(), m.Schema.CreateTable()); err != nil {
				return err
			}
			if !m.Schema.Clustered() {
				return nil
			}
			return m.create(ctx, m.Schema.Table, m.Schema.CreateDistributed())
		},
	},
	{
		version:     2,
		description: "is_error alias column; per-minute error and HTTP materialized views",
		up: func(ctx context.Context, m *Migrator) error {
			if err := m.ensureColumns(ctx); err != nil {
				return err
			}
			return m.ensureViews(ctx)
		},
	},
	{
		version:     3,
		description: "deduplication window on the events table and the views' tables (where the server has it)",
		up: func(ctx context.Context, m *Migrator) error {
			return m.ensureDedupWindow(ctx)
		},
	},
	{
		// Traces of events stored before this version are not in the
		// index: the read side then scans, as before.
		version:     4,
		description: "trace index (events_traces: trace id -> services and hours)",
		up: func(ctx context.Context, m *Migrator) error {
			return m.ensureViews(ctx)
		},
	},
}

// ensureViews creates every view of the schema that is missing, with its
// target table.
func (m *Migrator) ensureViews(ctx context.Context) error {
	for _, v := range m.Schema.Views() {
		if err := m.create(ctx, v.Target, v.CreateTarget); err != nil {
			return err
		}
		if err := m.create(ctx, v.MV, v.CreateMV); err != nil {
			return err
		}
		if m.Schema.Clustered() {
			if err := m.create(ctx, v.Distributed, v.CreateDistributed); err != nil {
				return err
			}
		}
	}
	return nil
}

// LatestVersion is the schema version Run brings a table to.
var LatestVersion = migrations[len(migrations)-1].version

// Migrator creates and upgrades the schema of one events table.
type Migrator struct {
	DB     DB
	Schema schema.Schema // what to create: table, server capabilities, retention
	// Server is the server's version, named in error messages.
	Server schema.Version
	// Logger reports each step; nil logs nothing.
	Logger *zap.Logger
	// Now is the clock of the migrations record; nil is time.Now.
	Now func() time.Time
}

// Run brings the schema to LatestVersion: the database and migrations
// record, every version not yet recorded for this table, then what depends
// on the server and the config rather than on the version (alias columns a
// newer server supports, the TTL, the deduplication window). Running it again changes nothing; several
// collectors may run it at once.
//
// In cluster mode every statement runs ON CLUSTER (the server runs it on
// every server and answers once all have), so one collector migrates the
// whole cluster, and the migrations record is replicated to every server
// (schema.Schema.CreateMigrationsTable).
func (m *Migrator) Run(ctx context.Context) error {
	db := m.Schema.Table.Database
	if err := m.createIfMissing(ctx, m.Schema.CreateDatabase(), func() (bool, error) { return m.exists(ctx, schema.DatabaseExists(db)) }); err != nil {
		return fmt.Errorf("cannot create database %s on ClickHouse %s: %w; create it by hand or grant CREATE DATABASE", db, m.Server, err)
	}
	if err := m.create(ctx, schema.MigrationsTable(db), m.Schema.CreateMigrationsTable()); err != nil {
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
	if current > LatestVersion {
		m.log().Warn("the schema is newer than this exporter: leaving it as it is",
			zap.String("table", m.Schema.Table.String()), zap.Uint32("schema_version", current),
			zap.Uint32("exporter_schema_version", LatestVersion))
	}
	for _, mig := range migrations {
		if slices.Contains(applied, mig.version) {
			continue
		}
		if err := mig.up(ctx, m); err != nil {
			return fmt.Errorf("schema version %d (%s) of %s on ClickHouse %s: %w", mig.version, mig.description, m.Schema.Table, m.Server, err)
		}
		if err := m.record(ctx, mig); err != nil {
			return err
		}
		m.log().Info("applied schema version", zap.String("table", m.Schema.Table.String()),
			zap.Uint32("version", mig.version), zap.String("description", mig.description))
	}
	if err := m.ensureColumns(ctx); err != nil {
		return fmt.Errorf("columns of %s on ClickHouse %s: %w", m.Schema.Table, m.Server, err)
	}
	if err := m.ensureTTL(ctx); err != nil {
		return err
	}
	// Again on every start: a table migrated to version 3 on a server
	// without the window (18.16) gets it once the server is upgraded.
	return m.ensureDedupWindow(ctx)
}

// exec runs a DDL statement. When it fails, exists tells whether what it
// creates is there anyway (a concurrent collector won the race: "already
// exists", codes 57, 82, 44, 15...), which counts as success.
func (m *Migrator) exec(ctx context.Context, stmt string, exists func() (bool, error)) error {
	err := m.DB.Exec(ctx, stmt)
	if err == nil {
		return nil
	}
	if ok, cerr := exists(); cerr == nil && ok {
		m.log().Debug("DDL failed but its object exists (created concurrently)", zap.Error(err))
		return nil
	}
	return err
}

// create runs a CREATE ... IF NOT EXISTS of table (or view) t.
func (m *Migrator) create(ctx context.Context, t schema.Table, stmt string) error {
	if err := m.createIfMissing(ctx, stmt, func() (bool, error) { return m.exists(ctx, schema.TableExists(t)) }); err != nil {
		return fmt.Errorf("cannot create %s on ClickHouse %s: %w", t, m.Server, err)
	}
	return nil
}

// createIfMissing runs a CREATE ... IF NOT EXISTS statement (see exec). In
// cluster mode it first looks on the server it is connected to and runs
// nothing when the object is there: an ON CLUSTER statement waits for every
// server of the cluster (and fails after distributed_ddl_task_timeout when
// one is down), so a restart of a collector on an existing schema must not
// need them all.
func (m *Migrator) createIfMissing(ctx context.Context, stmt string, exists func() (bool, error)) error {
	if m.Schema.Clustered() {
		if ok, err := exists(); err == nil && ok {
			return nil
		}
	}
	return m.exec(ctx, stmt, exists)
}

// exists runs an existence query (schema.DatabaseExists, TableExists): any
// row means yes.
func (m *Migrator) exists(ctx context.Context, query string) (bool, error) {
	rows, err := m.DB.Query(ctx, query)
	return len(rows) > 0, err
}

// applied lists the versions recorded for this events table.
func (m *Migrator) applied(ctx context.Context) ([]uint32, error) {
	rows, err := m.DB.Query(ctx, schema.AppliedVersions(m.Schema.Table))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", schema.MigrationsTable(m.Schema.Table.Database), err)
	}
	out := make([]uint32, 0, len(rows))
	for _, row := range rows {
		v, err := strconv.ParseUint(firstColumn(row), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s holds version %q, not a number: %w", schema.MigrationsTable(m.Schema.Table.Database), firstColumn(row), err)
		}
		out = append(out, uint32(v))
	}
	return out, nil
}

func (m *Migrator) record(ctx context.Context, mig migration) error {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	stmt := schema.RecordVersion(m.Schema.Table, mig.version, mig.description, now())
	if err := m.DB.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("cannot record schema version %d in %s: %w", mig.version, schema.MigrationsTable(m.Schema.Table.Database), err)
	}
	return nil
}

func (m *Migrator) log() *zap.Logger {
	if m.Logger == nil {
		return zap.NewNop()
	}
	return m.Logger
}

func firstColumn(row []string) string {
	if len(row) == 0 {
		return ""
	}
	return row[0]
}
