package airesclickhouseexporter

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/schema"
)

// event is one log record of a test, with what the views look at.
type event struct {
	ts       time.Time
	service  string
	severity plog.SeverityNumber
	route    string
	status   int64
	duration float64
}

func logsOf(evs ...event) plog.Logs {
	ld := plog.NewLogs()
	for i, e := range evs {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", e.service)
		rl.Resource().Attributes().PutStr("deployment.environment.name", "prod")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(e.ts))
		lr.SetSeverityNumber(e.severity)
		lr.Body().SetStr(fmt.Sprintf("event %d", i))
		if e.status != 0 {
			lr.Attributes().PutStr("http.request.method", "GET")
			lr.Attributes().PutStr("http.route", e.route)
			lr.Attributes().PutInt("http.response.status_code", e.status)
			lr.Attributes().PutDouble("aires.http.duration_ms", e.duration)
		}
	}
	return ld
}

// rawExporter starts the exporter itself (not the exporterhelper wrapper),
// so a test can reach its janitor and replace its clock.
func rawExporter(t testing.TB, cfg *Config, edit ...func(*logsExporter)) *logsExporter {
	t.Helper()
	e, err := newLogsExporter(exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	for _, f := range edit {
		f(e)
	}
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, e.shutdown(context.Background())) })
	return e
}

// copyLogs is a copy of ld: the exporter takes the data it is given (it
// empties a request once its rows are in an insert), so a test that sends
// the same logs twice sends copies.
func copyLogs(ld plog.Logs) plog.Logs {
	c := plog.NewLogs()
	ld.CopyTo(c)
	return c
}

func count(t *testing.T, db *sql.DB, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, db.QueryRow(query, args...).Scan(&n), query)
	return n
}

func strings1(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	require.NoError(t, err, query)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// schemaState is everything create_schema may change: tables and views with
// their full definition, the events table's columns, the migrations record.
func schemaState(t *testing.T, db *sql.DB, database string) []string {
	t.Helper()
	state := strings1(t, db, "SELECT concat(name, ': ', create_table_query) FROM system.tables WHERE database = ? ORDER BY name", database)
	state = append(state, strings1(t, db,
		"SELECT concat(name, ' ', type, ' ', default_kind, ' ', default_expression) FROM system.columns WHERE database = ? AND table = 'events'", database)...)
	state = append(state, strings1(t, db,
		"SELECT concat(table_name, ' v', toString(version), ' ', description) FROM "+database+".schema_migrations ORDER BY table_name, version")...)
	return state
}

// TestMigrateFromV1 upgrades a table created by the first exporter (schema
// version 1, no migrations record, kept as testdata/migrations/v1_18.16.1.sql)
// with rows in it.
func TestMigrateFromV1(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	fixture, err := os.ReadFile(filepath.Join("testdata", "migrations", "v1_18.16.1.sql"))
	require.NoError(t, err)
	_, err = db.Exec("CREATE DATABASE aires")
	require.NoError(t, err)
	_, err = db.Exec(string(fixture))
	require.NoError(t, err)
	v1Columns := strings1(t, db, "SELECT name FROM system.columns WHERE database = 'aires' AND table = 'events'")

	// Rows written by the old exporter (same INSERT; create_schema off so
	// nothing is migrated yet).
	old := rawExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.CreateSchema = false }))
	require.NoError(t, old.pushLogs(context.Background(), testLogs()))
	require.NoError(t, old.shutdown(context.Background()))
	require.Equal(t, uint64(2), count(t, db, "SELECT count() FROM aires.events"))

	e := rawExporter(t, testConfig(srv.Endpoint()))

	// The table gained the new column, kept the old ones and its rows.
	columns := strings1(t, db, "SELECT name FROM system.columns WHERE database = 'aires' AND table = 'events'")
	assert.Equal(t, append(v1Columns, "is_error"), columns)
	assert.Equal(t, uint64(2), count(t, db, "SELECT count() FROM aires.events"))
	assert.Equal(t, []string{"error 1", "info 0"},
		strings1(t, db, "SELECT concat(toString(severity), ' ', toString(is_error)) FROM aires.events ORDER BY timestamp_ns"))
	assert.Equal(t, []string{"events", "events_errors_1m", "events_errors_1m_mv", "events_http_1m", "events_http_1m_mv", "events_traces", "events_traces_mv", "schema_migrations"},
		strings1(t, db, "SELECT name FROM system.tables WHERE database = 'aires' ORDER BY name"))
	assert.Equal(t, []string{"1", "2", "3", "4"},
		strings1(t, db, "SELECT DISTINCT toString(version) FROM aires.schema_migrations WHERE table_name = 'events' ORDER BY version"))

	// The views see rows inserted from now on (they are not backfilled).
	require.NoError(t, e.pushLogs(context.Background(), testLogs()))
	assert.Equal(t, uint64(4), count(t, db, "SELECT count() FROM aires.events"))
	assert.Equal(t, []string{"checkout 2 1"},
		strings1(t, db, "SELECT concat(service, ' ', toString(sum(events)), ' ', toString(sum(errors))) FROM aires.events_errors_1m GROUP BY service"))
	assert.Equal(t, []string{"/orders/{id} 1 1 12.5"},
		strings1(t, db, "SELECT concat(http_route, ' ', toString(sum(requests)), ' ', toString(sum(errors_5xx)), ' ', toString(sum(duration_ms_sum))) FROM aires.events_http_1m GROUP BY http_route"))

	// A second start changes nothing.
	before := schemaState(t, db, "aires")
	require.NoError(t, e.shutdown(context.Background()))
	rawExporter(t, testConfig(srv.Endpoint()))
	assert.Equal(t, before, schemaState(t, db, "aires"))
	assert.Equal(t, uint64(4), count(t, db, "SELECT count() FROM aires.events"))
}

// TestRetention checks the janitor: whole days older than the retention go,
// from the events table and the views, the others stay. The clock is the
// test's.
func TestRetention(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	// Noon, so that the day is the same in any server time zone within 12h
	// of UTC.
	day := func(d int) time.Time { return time.Date(2026, 3, 10+d, 12, 0, 0, 0, time.UTC) }
	// The rows are written by an exporter without retention; a janitor with
	// a fixed clock runs by hand, then an exporter with retention runs its
	// own.
	e := rawExporter(t, testConfig(srv.Endpoint()))
	sch := schema.Schema{Table: e.table, Caps: schema.Capabilities{}, Retention: 48 * time.Hour}
	jan := &janitor{db: schemaDB{e.connection()}, schema: sch, now: func() time.Time { return day(0) }, logger: zap.NewNop()}

	var evs []event
	for _, d := range []int{-5, -3, -2, -1, 0} {
		for i := range 3 {
			evs = append(evs, event{ts: day(d).Add(time.Duration(i) * time.Minute), service: "svc", severity: plog.SeverityNumberError,
				route: "/r", status: 500, duration: float64(10 + i)})
		}
	}
	// An hour before noon two days ago: older than 48h but its day is not
	// over, so it stays (rows live between retention and retention + 1 day).
	evs = append(evs, event{ts: day(-2).Add(-time.Hour), service: "svc", severity: plog.SeverityNumberInfo})
	require.NoError(t, e.pushLogs(context.Background(), logsOf(evs...)))

	days := func(table string) []string {
		return strings1(t, db, "SELECT DISTINCT toString(toDate("+map[bool]string{true: "timestamp", false: "minute"}[table == "events"]+
			")) AS d FROM aires."+table+" ORDER BY d")
	}
	all := []string{"2026-03-05", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"}
	for _, table := range []string{"events", "events_errors_1m", "events_http_1m"} {
		require.Equal(t, all, days(table), table)
	}

	// Now + 48h falls on 2026-03-08: the two days before it go.
	dropped, err := jan.runOnce(context.Background())
	require.NoError(t, err)
	var names []string
	for _, p := range dropped {
		names = append(names, p.Table.Name+" "+p.Day)
	}
	sort.Strings(names)
	assert.Equal(t, []string{
		"events 2026-03-05", "events 2026-03-07",
		"events_errors_1m 2026-03-05", "events_errors_1m 2026-03-07",
		"events_http_1m 2026-03-05", "events_http_1m 2026-03-07",
	}, names)
	for _, table := range []string{"events", "events_errors_1m", "events_http_1m"} {
		assert.Equal(t, all[2:], days(table), table)
	}
	assert.Equal(t, uint64(10), count(t, db, "SELECT count() FROM aires.events"))
	assert.Equal(t, uint64(10), count(t, db, "SELECT sum(events) FROM aires.events_errors_1m"))
	assert.Equal(t, uint64(9), count(t, db, "SELECT sum(requests) FROM aires.events_http_1m"))

	// The exporter's own janitor: it runs at start (nothing expired on
	// 2026-03-10) and every interval; a day later it removes 2026-03-08.
	var now atomic.Int64
	now.Store(day(0).UnixNano())
	rawExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.Retention = Retention(48 * time.Hour) }), func(e *logsExporter) {
		e.now = func() time.Time { return time.Unix(0, now.Load()) }
		e.janitorInterval = 100 * time.Millisecond
	})
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, all[2:], days("events"))
	now.Store(day(1).UnixNano())
	require.Eventually(t, func() bool {
		return strings.Join(days("events"), ",") == "2026-03-09,2026-03-10" &&
			strings.Join(days("events_http_1m"), ",") == "2026-03-09,2026-03-10" &&
			strings.Join(days("events_errors_1m"), ",") == "2026-03-09,2026-03-10"
	}, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, uint64(6), count(t, db, "SELECT count() FROM aires.events"))

	// Nothing expired: a run drops nothing.
	dropped, err = jan.runOnce(context.Background())
	require.NoError(t, err)
	assert.Empty(t, dropped)
}

func TestJanitorStopWithoutStart(t *testing.T) {
	var j janitor
	j.stop()
	j.stop()
}
