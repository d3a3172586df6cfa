package migrate

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
)

// columns returns the names of the columns of the table holding the events.
func (m *Migrator) columns(ctx context.Context) (map[string]bool, error) {
	return m.columnsOf(ctx, m.Schema.LocalTable())
}

// columnsOf returns the names of table t's columns.
func (m *Migrator) columnsOf(ctx context.Context, t schema.Table) (map[string]bool, error) {
	rows, err := m.DB.Query(ctx, schema.ColumnNames(t))
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(rows))
	for _, row := range rows {
		have[firstColumn(row)] = true
	}
	return have, nil
}

// ensureColumns adds the columns of the current DDL that the table lacks
// (18.16 has no ADD COLUMN IF NOT EXISTS, hence the look in system.columns).
// Existing columns are never changed: a table created on an older server
// keeps its types.
func (m *Migrator) ensureColumns(ctx context.Context) error {
	have, err := m.columns(ctx)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		return fmt.Errorf("table %s does not exist", m.Schema.LocalTable())
	}
	for _, d := range m.Schema.EventColumns() {
		if have[d.Name] {
			continue
		}
		err := m.exec(ctx, m.Schema.AddColumn(d), func() (bool, error) {
			now, err := m.columns(ctx)
			return now[d.Name], err
		})
		if err != nil {
			return fmt.Errorf("cannot add column %s to %s: %w", d.Name, m.Schema.Table, err)
		}
		m.log().Info("added column", zap.String("table", m.Schema.LocalTable().String()), zap.String("column", d.Name))
	}
	if m.Schema.Clustered() {
		return m.ensureDistributedColumns(ctx)
	}
	return nil
}

// ensureDistributedColumns gives the Distributed events table the columns
// the per-shard tables have gained, by creating it again: it holds no rows,
// and 18.16 refuses ALTER ... ON CLUSTER on a table that is not replicated
// in a cluster whose shards are. Inserts in the moment between the DROP and
// the CREATE fail and are retried.
func (m *Migrator) ensureDistributedColumns(ctx context.Context) error {
	have, err := m.columnsOf(ctx, m.Schema.Table)
	if err != nil {
		return err
	}
	missing := ""
	for _, d := range m.Schema.EventColumns() {
		if !have[d.Name] {
			missing = d.Name
		}
	}
	if missing == "" || len(have) == 0 {
		return nil // up to date, or not created yet (the migration creates it)
	}
	if err := m.DB.Exec(ctx, m.Schema.DropDistributed(m.Schema.Table)); err != nil {
		return fmt.Errorf("cannot drop the Distributed table %s (to add column %s) on ClickHouse %s: %w", m.Schema.Table, missing, m.Server, err)
	}
	if err := m.create(ctx, m.Schema.Table, m.Schema.CreateDistributed()); err != nil {
		return err
	}
	m.log().Info("created the Distributed table again with new columns", zap.String("table", m.Schema.Table.String()), zap.String("column", missing))
	return nil
}

// ensureTTL sets the TTL of the events table and the views' tables to the
// retention, where the server has TTL. Only a table whose TTL differs is
// altered (MODIFY TTL rewrites the table's parts on 20.5+).
func (m *Migrator) ensureTTL(ctx context.Context) error {
	if !m.Schema.Caps.TTL {
		return nil
	}
	for _, t := range m.Schema.TTLTables() {
		rows, err := m.DB.Query(ctx, schema.TableEngine(t.Table))
		if err != nil {
			return fmt.Errorf("cannot read the TTL of %s: %w", t.Table, err)
		}
		if len(rows) == 0 {
			continue // a view dropped on purpose: not recreated
		}
		engine := firstColumn(rows[0])
		want := m.Schema.TTL(t.TimeColumn)
		if want == "" {
			if schema.HasAnyTTL(engine) {
				m.log().Warn("the table has a TTL but retention is 0 (keep forever): leaving the TTL; remove it with ALTER TABLE ... REMOVE TTL",
					zap.String("table", t.Table.String()))
			}
			continue
		}
		if schema.HasTTL(engine, want) {
			continue
		}
		if err := m.DB.Exec(ctx, m.Schema.ModifyTTL(t.Table, want)); err != nil {
			return fmt.Errorf("cannot set the TTL of %s to %s on ClickHouse %s: %w", t.Table, want, m.Server, err)
		}
		m.log().Info("set TTL", zap.String("table", t.Table.String()), zap.String("ttl", want))
	}
	return nil
}

// ensureDedupWindow gives the events table and the views' tables the
// deduplication window, where the server has it, so a retried insert is
// dropped from all of them. A table that already has it is left alone.
func (m *Migrator) ensureDedupWindow(ctx context.Context) error {
	if !m.Schema.CanModifyDedupWindow() {
		return nil // tables created on such a server have the window from the start, or none
	}
	for _, t := range m.Schema.DedupTables() {
		rows, err := m.DB.Query(ctx, schema.TableEngine(t))
		if err != nil {
			return fmt.Errorf("cannot read the settings of %s: %w", t, err)
		}
		if len(rows) == 0 || m.Schema.HasDedupWindow(firstColumn(rows[0])) {
			continue // a view dropped on purpose is not recreated
		}
		if err := m.DB.Exec(ctx, m.Schema.ModifyDedupWindow(t)); err != nil {
			return fmt.Errorf("cannot set the deduplication window of %s on ClickHouse %s: %w", t, m.Server, err)
		}
		m.log().Info("set the deduplication window", zap.String("table", t.String()), zap.Int("blocks", schema.DedupWindow))
	}
	return nil
}
