package modern

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
)

// oldLayout is a state an events table can be in when a collector with the
// current migrator starts on ClickHouse 26.7: made by an older exporter (on
// an older server, since upgraded), or left half-way by a collector that
// stopped during a migration.
type oldLayout struct {
	name string
	// create makes the layout (no rows) in database db; recorded is the time
	// of the versions it records.
	create func(t *testing.T, e sqlEngine, db string, recorded time.Time)
	// recorded are the schema versions the layout has in schema_migrations.
	recorded []uint32
	// views is how many of the views (errors, then HTTP) the layout has:
	// they count the rows inserted before the migration.
	views int
	// retention is the collector's, after the upgrade; ttl is the TTL
	// interval the tables must have after the migration ("" when none).
	retention time.Duration
	ttl       string
}

// v1Fixture creates the events table of schema version 1 as the first
// exporter did on 18.16, from its DDL kept for the exporter's
// TestMigrateFromV1, without a migrations record: that exporter had none.
func v1Fixture(t *testing.T, e sqlEngine, db string, _ time.Time) {
	ddl, err := os.ReadFile(filepath.Join("..", "..", "exporter", "airesclickhouseexporter", "testdata", "migrations", "v1_18.16.1.sql"))
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, schema.CreateDatabase(db), strings.ReplaceAll(string(ddl), "`aires`.", "`"+db+"`."))
}

// v1Caps are the capabilities the first exporter gave the server
// generations it had distinct DDL for (its thresholds, not today's:
// timestamp64 came with 21.8 then).
var v1Caps = map[string]schema.Capabilities{
	"18.16":        {},
	"19.11":        {Codecs: true, LowCardinality: true},
	"20.3":         {Codecs: true, LowCardinality: true, SkipIndexes: true},
	"21.8":         {Codecs: true, LowCardinality: true, SkipIndexes: true, DateTime64: true},
	"22.8 to 25.1": {Codecs: true, LowCardinality: true, SkipIndexes: true, DateTime64: true, Map: true},
}

// v1Table creates the events table of schema version 1 as the first
// exporter did on a server with capabilities c: today's table without the
// is_error alias, which version 2 added (its DDL was, line for line, today's
// without is_error; TestV1Layout checks that on the 18.16 fixture).
func v1Table(c schema.Capabilities) func(*testing.T, sqlEngine, string, time.Time) {
	return func(t *testing.T, e sqlEngine, db string, _ time.Time) {
		s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: c}
		mustExec(t, e, schema.CreateDatabase(db), s.CreateTable(), "ALTER TABLE "+s.Table.String()+" DROP COLUMN is_error")
	}
}

// TestV1Layout checks that v1Table makes the table the first exporter
// made: on 18.16's capabilities, the kept DDL's table, column for column.
func TestV1Layout(t *testing.T) {
	e := engine(t)
	v1Fixture(t, e, "v1_fixture", time.Time{})
	v1Table(v1Caps["18.16"])(t, e, "v1_derived", time.Time{})
	fixture := rows(t, e, columnsQuery(schema.Table{Database: "v1_fixture", Name: "events"}))
	derived := rows(t, e, columnsQuery(schema.Table{Database: "v1_derived", Name: "events"}))
	if len(fixture) != len(schema.Columns) || fmt.Sprint(derived) != fmt.Sprint(fixture) {
		t.Errorf("v1 table (name, type, kind):\n derived %v\n fixture %v", derived, fixture)
	}
	engines := rows(t, e, "SELECT engine_full FROM system.tables WHERE database IN ('v1_fixture', 'v1_derived') AND name = 'events'")
	if len(engines) != 2 || engines[0][0] != engines[1][0] {
		t.Errorf("v1 engines differ: %v", engines)
	}
}

// record creates the migrations table of db and records versions of the
// events table at the instant at.
func record(t *testing.T, e sqlEngine, db string, at time.Time, versions ...uint32) {
	t.Helper()
	mustExec(t, e, schema.CreateMigrationsTable(db))
	for _, v := range versions {
		mustExec(t, e, schema.RecordVersion(schema.Table{Database: db, Name: "events"}, v, fmt.Sprintf("version %d", v), at))
	}
}

// oldLayouts are every older schema version the migrator knows, as the
// exporters that wrote them left them.
func oldLayouts(t *testing.T, own schema.Version) []oldLayout {
	const month = 30 * 24 * time.Hour
	var out []oldLayout
	// Version 1, by the first exporter on each server generation it had
	// distinct DDL for: no codecs (18.16, its kept DDL), codecs and
	// LowCardinality (19.11), skip indexes (20.3), timestamp64 (21.8), Map
	// aliases (22.8 to 25.1).
	out = append(out, oldLayout{name: "v1 by the first exporter on 18.16", create: v1Fixture, retention: month, ttl: "toIntervalDay(30)"})
	for _, v := range []string{"19.11", "20.3", "21.8", "22.8 to 25.1"} {
		out = append(out, oldLayout{name: "v1 by the first exporter on " + v, create: v1Table(v1Caps[v]),
			retention: month, ttl: "toIntervalDay(30)"})
	}
	out = append(out,
		// Version 1 recorded by the current migrator on this server, which
		// stopped before version 2; kept forever.
		oldLayout{name: "v1 recorded, stopped before v2", recorded: []uint32{1},
			create: func(t *testing.T, e sqlEngine, db string, at time.Time) {
				s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: schema.CapabilitiesOf(own)}
				mustExec(t, e, schema.CreateDatabase(db), s.CreateTable())
				record(t, e, db, at, 1)
			}},
		// The first exporter's table on 22.8, then a collector that recorded
		// version 1, added is_error and made the errors view, and stopped.
		// A retention in hours.
		oldLayout{name: "v2 half-applied", recorded: []uint32{1}, views: 1, retention: month + 12*time.Hour, ttl: "toIntervalHour(732)",
			create: func(t *testing.T, e sqlEngine, db string, at time.Time) {
				v1Table(v1Caps["22.8 to 25.1"])(t, e, db, at)
				record(t, e, db, at, 1)
				s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: schema.CapabilitiesOf(schema.Version{Major: 22, Minor: 8})}
				for _, d := range s.EventColumns() {
					if d.Name == "is_error" {
						mustExec(t, e, s.AddColumn(d))
					}
				}
				mustExec(t, e, s.Views()[0].CreateTarget, s.Views()[0].CreateMV)
			}},
	)
	// Version 2, complete, by the current exporter on each golden server
	// version with a week's retention, then the server upgraded to this
	// one and the retention raised to a month: the alias columns the newer
	// server has are added, the TTL changed.
	v2 := func(version string) func(*testing.T, sqlEngine, string, time.Time) {
		return func(t *testing.T, e sqlEngine, db string, at time.Time) {
			ver, err := schema.ParseVersion(version)
			if err != nil {
				t.Fatal(err)
			}
			s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: schema.CapabilitiesOf(ver), Retention: 7 * 24 * time.Hour}
			mustExec(t, e, s.Statements()...)
			record(t, e, db, at, 1, 2)
		}
	}
	for _, v := range goldenVersions(t) {
		out = append(out, oldLayout{name: "v2 on " + v, create: v2(v), recorded: []uint32{1, 2}, views: 2,
			retention: month, ttl: "toIntervalDay(30)"})
	}
	// The retention turned off (0, keep forever): the TTL a table has stays
	// (the migrator warns and leaves removing it to the user).
	return append(out, oldLayout{name: "v2 on 25.1.1, retention off", create: v2("25.1.1"), recorded: []uint32{1, 2}, views: 2,
		ttl: "toIntervalDay(7)"})
}

// recordingDB remembers the statements run through it.
type recordingDB struct {
	migrate.DB
	execs []string
}

func (r *recordingDB) Exec(ctx context.Context, query string) error {
	r.execs = append(r.execs, query)
	return r.DB.Exec(ctx, query)
}

// TestMigrateToLatest upgrades each older schema version, with rows in it,
// on ClickHouse 26.7 with the migrator the collector runs: the rows stay,
// the columns are added, the views made, the versions recorded, the TTL
// set; a second run changes nothing, and retention drops the old days.
func TestMigrateToLatest(t *testing.T) {
	e := engine(t)
	own := engineVersion(t, e)
	ctx := context.Background()
	// Rows of the last few days, relative to the real clock: the TTL the
	// migrator sets is enforced by the server's clock.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	day := func(d int) time.Time { return today.AddDate(0, 0, d).Add(12 * time.Hour) }
	recordedAt := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	migratedAt := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)

	for i, l := range oldLayouts(t, own) {
		t.Run(l.name, func(t *testing.T) {
			db := fmt.Sprintf("migrate_%d", i)
			l.create(t, e, db, recordedAt)
			s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: schema.CapabilitiesOf(own), Retention: l.retention}
			old := []event{
				{ts: day(-3).Add(123456789), service: "checkout", severity: "error", message: "payment declined",
					intAttrs: map[string]int64{"order.items": 3}, strAttrs: map[string]string{"order.id": "A-17"},
					method: "GET", route: "/orders/{id}", status: 503, durationMs: 12.5},
				{ts: day(-1), service: "checkout", severity: "info", message: "ok", method: "GET", route: "/orders/{id}", status: 200, durationMs: 3},
				{ts: day(-1).Add(time.Second + 42), service: "search", severity: "fatal", message: "out of memory",
					floatAttrs: map[string]float64{"heap.gb": 7.5}},
			}
			insertEvents(t, e, s.Table, 1, old)
			columnsBefore := rows(t, e, columnsQuery(s.Table))
			indexes := "SELECT name, type FROM system.data_skipping_indices WHERE database = '" + db + "' AND table = 'events' ORDER BY name"
			indexesBefore := rows(t, e, indexes)

			m := &migrate.Migrator{DB: chdbDB{e}, Schema: s, Server: own, Now: func() time.Time { return migratedAt }}
			if err := m.Run(ctx); err != nil {
				t.Fatal(err)
			}

			// The rows, with the alias columns of this server computing on them.
			got := rows(t, e, "SELECT toString(timestamp_ns), toString(timestamp64, 'UTC'), service, toString(severity), message, "+
				"toString(is_error), toString(attr_int['order.items']), attr_str['order.id'], toString(attr_float['heap.gb']), toString(http_status) "+
				"FROM "+s.Table.String()+" ORDER BY timestamp_ns")
			want := [][]string{
				{fmt.Sprint(old[0].ts.UnixNano()), old[0].ts.Format("2006-01-02 15:04:05.000000000"), "checkout", "error", "payment declined", "1", "3", "A-17", "0", "503"},
				{fmt.Sprint(old[1].ts.UnixNano()), old[1].ts.Format("2006-01-02 15:04:05.000000000"), "checkout", "info", "ok", "0", "0", "", "0", "200"},
				{fmt.Sprint(old[2].ts.UnixNano()), old[2].ts.Format("2006-01-02 15:04:05.000000000"), "search", "fatal", "out of memory", "1", "0", "", "7.5", "0"},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rows after the migration:\n got %v\nwant %v", got, want)
			}

			// The columns it had, unchanged and in place, then the ones it
			// lacked, alias columns as ALIAS.
			wantColumns := slices.Clone(columnsBefore)
			for _, d := range s.EventColumns() {
				if !slices.ContainsFunc(columnsBefore, func(c []string) bool { return c[0] == d.Name }) {
					wantColumns = append(wantColumns, []string{d.Name, "", map[bool]string{true: "ALIAS", false: ""}[d.Alias]})
				}
			}
			gotColumns := rows(t, e, columnsQuery(s.Table))
			for i := len(columnsBefore); i < len(gotColumns); i++ {
				gotColumns[i][1] = "" // the type of an added column: its definition, checked by TestSchemaOnEveryVersion
			}
			if fmt.Sprint(gotColumns) != fmt.Sprint(wantColumns) {
				t.Errorf("columns (name, type, kind):\n got %v\nwant %v", gotColumns, wantColumns)
			}

			// Skip indexes stay as the table was made: the migrator adds
			// columns only (a table from before 20.1 gets none, one from
			// before 26.2 keeps tokenbf_v1 on message).
			if got := rows(t, e, indexes); fmt.Sprint(got) != fmt.Sprint(indexesBefore) {
				t.Errorf("skip indexes: %v, want them unchanged: %v", got, indexesBefore)
			}

			wantTables := "[[events] [events_errors_1m] [events_errors_1m_mv] [events_http_1m] [events_http_1m_mv] [events_traces] [events_traces_mv] [schema_migrations]]"
			if got := rows(t, e, "SELECT name FROM system.tables WHERE database = '"+db+"' ORDER BY name"); fmt.Sprint(got) != wantTables {
				t.Errorf("tables: %v, want %s", got, wantTables)
			}
			var wantVersions [][]string
			for v := uint32(1); v <= migrate.LatestVersion; v++ {
				at := migratedAt
				if slices.Contains(l.recorded, v) {
					at = recordedAt
				}
				wantVersions = append(wantVersions, []string{fmt.Sprint(v), fmt.Sprint(at.Unix())})
			}
			versions := "SELECT DISTINCT toString(version), toString(toUInt32(applied_at)) FROM " + db + ".schema_migrations WHERE table_name = 'events' ORDER BY 1"
			if got := rows(t, e, versions); fmt.Sprint(got) != fmt.Sprint(wantVersions) {
				t.Errorf("versions recorded (version, applied_at): %v, want %v", got, wantVersions)
			}
			for _, tt := range s.TTLTables() {
				engineFull := scalar(t, e, schema.TableEngine(tt.Table))
				if want := "TTL " + tt.TimeColumn + " + " + l.ttl; l.ttl != "" && !strings.Contains(engineFull, want) {
					t.Errorf("%s: engine %q, want %q in it", tt.Table, engineFull, want)
				}
				if l.ttl == "" && strings.Contains(engineFull, "TTL") {
					t.Errorf("%s: engine %q, want no TTL (retention 0)", tt.Table, engineFull)
				}
			}

			for _, table := range s.DedupTables() {
				if engineFull := scalar(t, e, schema.TableEngine(table)); !schema.HasDedupWindow(engineFull) {
					t.Errorf("%s: engine %q, want the deduplication window (%d blocks)", table, engineFull, schema.DedupWindow)
				}
			}

			// The views count the rows inserted from now on (they are not
			// backfilled): the old rows only in the views the layout had.
			var errorsSeen, httpSeen []event
			if l.views >= 1 {
				errorsSeen = old
			}
			if l.views >= 2 {
				httpSeen = old
			}
			viewSums := func() string {
				return strings.Join(flatten(rows(t, e, "SELECT toString(sum(events)), toString(sum(errors)) FROM "+db+".events_errors_1m")), " ") + " / " +
					strings.Join(flatten(rows(t, e, "SELECT toString(sum(requests)), toString(sum(errors_5xx)), toString(sum(duration_ms_sum)) FROM "+db+".events_http_1m")), " ")
			}
			if got, want := viewSums(), viewTotals(errorsSeen, httpSeen); got != want {
				t.Errorf("views after the migration (events, errors / requests, 5xx, duration sum): %s, want %s", got, want)
			}
			fresh := []event{
				{ts: day(-3).Add(time.Minute), service: "checkout", severity: "error", method: "GET", route: "/orders/{id}", status: 500, durationMs: 40},
				{ts: day(-1).Add(time.Minute), service: "checkout", severity: "info", method: "GET", route: "/orders/{id}", status: 200, durationMs: 10},
				{ts: day(-1).Add(2 * time.Minute), service: "checkout", severity: "warn"},
			}
			insertEvents(t, e, s.Table, len(old)+1, fresh)
			errorsSeen, httpSeen = append(slices.Clone(errorsSeen), fresh...), append(slices.Clone(httpSeen), fresh...)
			if got, want := viewSums(), viewTotals(errorsSeen, httpSeen); got != want {
				t.Errorf("views after new rows (events, errors / requests, 5xx, duration sum): %s, want %s", got, want)
			}

			// A second start runs only its IF NOT EXISTS statements.
			before := migrationState(t, e, db)
			rec := &recordingDB{DB: chdbDB{e}}
			m.DB, m.Now = rec, func() time.Time { return migratedAt.Add(time.Hour) }
			if err := m.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if want := []string{schema.CreateDatabase(db), schema.CreateMigrationsTable(db)}; fmt.Sprint(rec.execs) != fmt.Sprint(want) {
				t.Errorf("second run executed %q, want only %q", rec.execs, want)
			}
			if after := migrationState(t, e, db); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("second run changed the schema:\nbefore %v\n after %v", before, after)
			}

			// Retention: with the clock a retention after noon two days
			// ago, the day before that goes from every table, the others
			// stay.
			dropped, err := migrate.DropExpired(ctx, chdbDB{e}, s, day(-2).Add(l.retention))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range dropped {
				names = append(names, p.Table.Name+" "+p.Day)
			}
			all := append(slices.Clone(old), fresh...)
			wantDropped := "[]"
			if l.retention > 0 {
				d := day(-3).Format(time.DateOnly)
				wantDropped = fmt.Sprintf("[events %s events_errors_1m %s events_http_1m %s]", d, d, d)
				kept := func(ev event) bool { return ev.ts.Format(time.DateOnly) != d }
				all, errorsSeen, httpSeen = filter(all, kept), filter(errorsSeen, kept), filter(httpSeen, kept)
			}
			wantLeft := fmt.Sprint(len(all)) + " / " + viewTotals(errorsSeen, httpSeen)
			if fmt.Sprint(names) != wantDropped {
				t.Errorf("dropped %v, want %s", names, wantDropped)
			}
			if got := scalar(t, e, "SELECT count() FROM "+s.Table.String()) + " / " + viewSums(); got != wantLeft {
				t.Errorf("after retention (rows / views): %s, want %s", got, wantLeft)
			}
		})
	}
}

// viewTotals is what the views give for the events each one saw, as viewSums
// prints it: events and errors (error or fatal) / requests (events with a
// status), 5xx and the sum of durations.
func viewTotals(errorsSeen, httpSeen []event) string {
	var errs, requests, err5xx int
	var ms float64
	for _, ev := range errorsSeen {
		if ev.severity == "error" || ev.severity == "fatal" {
			errs++
		}
	}
	for _, ev := range httpSeen {
		if ev.status > 0 {
			requests++
			ms += ev.durationMs
			if ev.status >= 500 {
				err5xx++
			}
		}
	}
	return fmt.Sprintf("%d %d / %d %d %s", len(errorsSeen), errs, requests, err5xx, float(ms))
}

func filter(evs []event, keep func(event) bool) []event {
	var out []event
	for _, ev := range evs {
		if keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// columnsQuery lists the name, type and kind (ALIAS or "") of table t's
// columns, in order.
func columnsQuery(t schema.Table) string {
	return fmt.Sprintf("SELECT name, type, default_kind FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY position", t.Database, t.Name)
}

// migrationState is everything Migrator.Run may change in database db: the
// tables and views with their definitions, the events table's columns, the
// migrations record.
func migrationState(t *testing.T, e sqlEngine, db string) [][]string {
	t.Helper()
	state := rows(t, e, "SELECT name, create_table_query FROM system.tables WHERE database = '"+db+"' ORDER BY name")
	state = append(state, rows(t, e, columnsQuery(schema.Table{Database: db, Name: "events"}))...)
	return append(state, rows(t, e, "SELECT table_name, toString(version), description, toString(applied_at) FROM "+db+".schema_migrations ORDER BY ALL")...)
}
