package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/schema"
)

// The exporter's tests (TestMigrateFromV1, TestRetention) run Migrator and
// DropExpired through the exporter's clickhouse-go adapter; these run them
// through database/sql (SQLDB).

func serverCaps(t *testing.T, db *sql.DB) (schema.Version, schema.Capabilities) {
	t.Helper()
	version, err := ServerVersion(context.Background(), SQLDB(db))
	require.NoError(t, err)
	v, err := schema.ParseVersion(version)
	require.NoError(t, err)
	return v, schema.CapabilitiesOf(v)
}

// column1 runs query and returns the first column of its rows.
func column1(t *testing.T, db DB, query string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	require.NoError(t, err, query)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// TestConcurrentSchemaSetup runs the schema setup of two collectors at the
// same moment on a fresh database, several times.
func TestConcurrentSchemaSetup(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	v, caps := serverCaps(t, db)
	// Two collectors: each its own connection pool.
	conns := [2]DB{SQLDB(srv.DB(t)), SQLDB(srv.DB(t))}
	for round := range 4 {
		database := fmt.Sprintf("race_%d", round)
		sch := schema.Schema{Table: schema.Table{Database: database, Name: "events"}, Caps: caps, Retention: 48 * time.Hour}
		var wg sync.WaitGroup
		var errs [2]error
		start := make(chan struct{})
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				m := &Migrator{DB: conns[i], Schema: sch, Server: v}
				errs[i] = m.Run(context.Background())
			}()
		}
		close(start)
		wg.Wait()
		require.NoError(t, errs[0], "round %d, collector 1", round)
		require.NoError(t, errs[1], "round %d, collector 2", round)
		assert.Equal(t, []string{"events", "events_errors_1m", "events_errors_1m_mv", "events_http_1m", "events_http_1m_mv", "events_traces", "events_traces_mv", "schema_migrations"},
			column1(t, conns[0], "SELECT name FROM system.tables WHERE database = "+schema.Literal(database)+" ORDER BY name"))
		assert.Equal(t, []string{"1", "2", "3", "4"},
			column1(t, conns[0], "SELECT DISTINCT toString(version) FROM "+database+".schema_migrations ORDER BY version"))
		assert.Len(t, column1(t, conns[0], schema.ColumnNames(sch.Table)), len(sch.EventColumns()))
	}
}

// TestLosingTheRace is the collector that loses a DDL race: its statement
// fails because a peer created the object first (18.16 serialises IF NOT
// EXISTS itself, so the race is forced here with statements that fail when
// the object exists), and that counts as success; other failures do not.
func TestLosingTheRace(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	v, caps := serverCaps(t, db)
	ctx := context.Background()
	m := &Migrator{DB: SQLDB(db), Schema: schema.Schema{Table: schema.Table{Database: "race", Name: "events"}, Caps: caps}, Server: v}
	require.NoError(t, m.Run(ctx))

	require.NoError(t, m.create(ctx, m.Schema.Table, "CREATE TABLE race.events (a UInt8) ENGINE = Memory"), "TABLE_ALREADY_EXISTS from a peer")
	require.NoError(t, m.exec(ctx, "CREATE DATABASE race", func() (bool, error) { return m.exists(ctx, schema.DatabaseExists("race")) }))
	for _, d := range m.Schema.EventColumns() {
		if d.Name == "is_error" {
			err := m.exec(ctx, m.Schema.AddColumn(d), func() (bool, error) {
				cols, err := m.columns(ctx)
				return cols[d.Name], err
			})
			require.NoError(t, err, "column added by a peer")
		}
	}
	err := m.create(ctx, schema.Table{Database: "race", Name: "missing"}, "CREATE TABLE race.missing (a UInt8) ENGINE = NoSuchEngine")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot create `race`.`missing`")
}

// TestRunRecordsVersions checks the migrations record: one row per version,
// with its description and the migrator's clock; a second Run adds none and
// changes nothing.
func TestRunRecordsVersions(t *testing.T) {
	srv := chtest.Start(t)
	db := SQLDB(srv.DB(t))
	v, caps := serverCaps(t, srv.DB(t))
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	sch := schema.Schema{Table: schema.Table{Database: "rec", Name: "events"}, Caps: caps}
	m := &Migrator{DB: db, Schema: sch, Server: v, Now: func() time.Time { return at }}
	require.NoError(t, m.Run(context.Background()))
	record := "SELECT concat(table_name, ' v', toString(version), ' ', description, ' ', toString(toUInt32(applied_at))) FROM rec.schema_migrations ORDER BY version"
	want := []string{
		fmt.Sprintf("events v1 events table %d", at.Unix()),
		fmt.Sprintf("events v2 is_error alias column; per-minute error and HTTP materialized views %d", at.Unix()),
		fmt.Sprintf("events v3 deduplication window on the events table and the views' tables (where the server has it) %d", at.Unix()),
		fmt.Sprintf("events v4 trace index (events_traces: trace id -> services and hours) %d", at.Unix()),
	}
	assert.Equal(t, want, column1(t, db, record))
	assert.Equal(t, uint32(4), LatestVersion)

	m.Now = func() time.Time { return at.Add(time.Hour) }
	require.NoError(t, m.Run(context.Background()))
	assert.Equal(t, want, column1(t, db, record))
}

// TestDropExpiredWithoutRetention: retention 0 keeps rows forever, whatever
// the clock says; nothing is even asked of the server.
func TestDropExpiredWithoutRetention(t *testing.T) {
	sch := schema.Schema{Table: schema.Table{Database: "aires", Name: "events"}}
	dropped, err := DropExpired(context.Background(), nil, sch, time.Now())
	require.NoError(t, err)
	assert.Empty(t, dropped)
}
