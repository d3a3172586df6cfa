// Command airesread measures the read side's queries (aires search, tail and
// console) on a large events table, on the machine it runs on:
//
//	make bench-read                  # 100M events (about 7 GiB, 6+ minutes to fill)
//	BENCH_QUICK=1 make bench-read    # 10M events
//
// It starts its own ClickHouse (internal/chtest), creates the exporter's
// schema for that server (events table and views), fills the table with
// INSERT ... SELECT FROM system.numbers (so the views are filled by the same
// inserts), and runs each query of internal/query the CLI and the console run:
// the first run (cold caches) and the median of the next ones (warm). It
// writes bench/results/read.json. Timings are measured, never asserted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/query"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

const db = "aires_read"

type result struct {
	Query   string    `json:"query"`
	SQL     string    `json:"sql"`
	Rows    int       `json:"rows_returned"`
	ColdMs  float64   `json:"cold_ms"`
	WarmMs  float64   `json:"warm_ms_median"`
	AllMs   []float64 `json:"all_ms"`
	Target  string    `json:"target,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

type report struct {
	Rows        uint64   `json:"events_rows"`
	TableBytes  uint64   `json:"events_bytes_on_disk"`
	FillSeconds float64  `json:"fill_seconds"`
	Server      string   `json:"clickhouse_version"`
	When        string   `json:"when"`
	Results     []result `json:"results"`
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func main() {
	if err := run(); err != nil {
		logf("airesread: %v", err)
		os.Exit(1)
	}
}

func run() error {
	quick := os.Getenv("BENCH_QUICK") != "" && os.Getenv("BENCH_QUICK") != "0"
	defRows := uint64(100_000_000)
	if quick {
		defRows = 10_000_000
	}
	rows := flag.Uint64("rows", defRows, "events to fill the table with, spread over the last 24 hours")
	runs := flag.Int("runs", 6, "runs of each query: the first is reported as cold, the median of the others as warm")
	out := flag.String("out", "results/read.json", "JSON report")
	keep := flag.Bool("keep", false, "keep the ClickHouse directory")
	flag.Parse()

	dir, err := os.MkdirTemp("", "airesread-")
	if err != nil {
		return err
	}
	if *keep {
		logf("ClickHouse directory %s kept", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	ch, err := chtest.StartServer(filepath.Join(dir, "clickhouse"))
	if err != nil {
		return fmt.Errorf("start ClickHouse: %w", err)
	}
	defer func() { _ = ch.Stop() }()
	conn, err := clickhouse.Open(ch.Options())
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := context.Background()
	rep := &report{When: time.Now().UTC().Format(time.RFC3339)}
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&rep.Server); err != nil {
		return err
	}
	v, err := schema.ParseVersion(rep.Server)
	if err != nil {
		return err
	}
	table := schema.Table{Database: db, Name: "events"}
	for _, stmt := range (schema.Schema{Table: table, Caps: schema.CapabilitiesOf(v)}).Statements() {
		if err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	now := time.Now().Truncate(time.Second)
	start := time.Now()
	if err := fill(ctx, conn, table, *rows, now); err != nil {
		return err
	}
	rep.FillSeconds = round(time.Since(start).Seconds())
	if err := conn.QueryRow(ctx, "SELECT toUInt64(sum(rows)), toUInt64(sum(bytes_on_disk)) FROM system.parts WHERE database = ? AND table = 'events' AND active", db).Scan(&rep.Rows, &rep.TableBytes); err != nil {
		return err
	}
	logf("filled %d rows (%.1f GiB on disk) in %.0f s", rep.Rows, float64(rep.TableBytes)/(1<<30), rep.FillSeconds)

	// A trace from the middle of the table, as a user would paste it.
	var trace string
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT %s FROM system.numbers WHERE number = %d LIMIT 1", traceExpr, *rows/2)).Scan(&trace); err != nil {
		return err
	}
	day := now.Add(-24 * time.Hour)
	locs, err := traceLocations(ctx, conn, table, trace, day, now.Add(time.Minute))
	if err != nil {
		return err
	}
	for _, q := range queries(table, now, trace, locs) {
		r, err := measure(ctx, conn, q, *runs)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		logf("  %-40s cold %7.1f ms, warm %7.1f ms (%d rows)%s", q.name, r.ColdMs, r.WarmMs, r.Rows, suffix(r.Target))
		rep.Results = append(rep.Results, r)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	logf("wrote %s", *out)
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

func suffix(target string) string {
	if target == "" {
		return ""
	}
	return " target " + target
}

// traceExpr is the trace id of event number `number`: 8 events a trace.
const traceExpr = "lower(concat(hex(cityHash64(intDiv(number, 8))), hex(cityHash64(intDiv(number, 8), 1))))"

// fill inserts n events spread evenly over the 24 hours before now, in
// chunks of 10M (each one INSERT ... SELECT, which also feeds the views):
// 20 services, 2% errors and 10% warnings, HTTP info on 30%, 8 events per
// trace, 50 per session.
func fill(ctx context.Context, conn driver.Conn, t schema.Table, n uint64, now time.Time) error {
	const chunk = 10_000_000
	perSec := max(n/86400, 1)
	for off := uint64(0); off < n; off += chunk {
		size := min(chunk, n-off)
		sql := fmt.Sprintf(`INSERT INTO %s (id, timestamp, timestamp_ns, service, environment, severity, message, trace_id, span_id,
    session_id, user_id, http_method, http_route, http_status, http_duration_ms, error_type, error_message)
SELECT
    toUUID('0190c1d2-7a4b-7c3d-8e9f-0a1b2c3d4e5f'),
    toDateTime(%d - intDiv(number, %d)) AS ts,
    toUInt64(ts) * 1000000000 + number %% 1000000000,
    concat('svc-', toString(number %% 20)),
    'prod',
    multiIf(number %% 50 = 0, 'error', number %% 10 = 0, 'warn', 'info'),
    multiIf(number %% 50 = 0, concat('payment failed for order ', toString(number %% 100000)),
            concat('request handled for order ', toString(number %% 100000), ' in region eu-west-', toString(number %% 3))),
    %s,
    lower(hex(cityHash64(number))),
    concat('sess-', toString(intDiv(number, 50) %% 1000000)),
    concat('user-', toString(intDiv(number, 50) %% 200000)),
    if(number %% 10 < 3, 'GET', ''),
    if(number %% 10 < 3, arrayElement(['/pay', '/items', '/cart', '/login'], number %% 4 + 1), ''),
    toUInt16(if(number %% 10 < 3, if(number %% 50 = 0, 500, 200), 0)),
    if(number %% 10 < 3, (number %% 997) / 3, 0),
    if(number %% 50 = 0, 'PaymentError', ''),
    if(number %% 50 = 0, 'card declined', '')
FROM (SELECT number + %d AS number FROM system.numbers LIMIT %d)`,
			t, now.Unix(), perSec, traceExpr, off, size)
		if err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("fill rows %d-%d: %w", off, off+size, err)
		}
		logf("  filled %d of %d rows", off+size, n)
	}
	return nil
}

type namedQuery struct {
	name, target, comment string
	sql                   string
	args                  []any
	err                   error
}

// traceLocations reads the trace index, as aires search --trace does first.
func traceLocations(ctx context.Context, conn driver.Conn, t schema.Table, trace string, since, until time.Time) ([]query.TraceLocation, error) {
	sql, args := query.TraceLocations(t, trace, since, until)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("trace index: %w", err)
	}
	defer rows.Close()
	var out []query.TraceLocation
	for rows.Next() {
		var l query.TraceLocation
		if err := rows.Scan(&l.Service, &l.FirstHour, &l.LastHour); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// queries are what the CLI and the console run, built by internal/query.
func queries(t schema.Table, now time.Time, trace string, locs []query.TraceLocation) []namedQuery {
	var out []namedQuery
	search := func(name, target, comment string, f query.Filter) {
		sql, args, err := query.Search(t, f, query.NewestFirst)
		out = append(out, namedQuery{name: name, target: target, comment: comment, sql: sql, args: args, err: err})
	}
	dash := func(name, target string, build func(string, query.Range) (string, []any, error), r query.Range) {
		sql, args, err := build(t.Database, r)
		out = append(out, namedQuery{name: name, target: target, sql: sql, args: args, err: err})
	}
	until := now.Add(time.Minute)
	day, hour := now.Add(-24*time.Hour), now.Add(-time.Hour)
	traceFilter := query.Filter{Since: day, Until: until, TraceID: trace, Limit: 100}
	search("search --trace, without the index (24h)", "", "a scan of trace_id over the range", traceFilter)
	lsql, largs := query.TraceLocations(t, trace, day, until)
	out = append(out, namedQuery{name: "search --trace: 1. trace index lookup", target: "< 100 ms with 2.", sql: lsql, args: largs})
	search("search --trace: 2. narrowed search", "< 100 ms with 1.", "aires search --trace ID --since 24h", query.NarrowToTrace(traceFilter, locs))
	search("search TEXT --service (1h)", "", "aires search 'payment failed' --service svc-10 --since 1h", query.Filter{Since: hour, Until: until, Service: "svc-10", Text: "payment failed", Limit: 100})
	search("search --session (24h)", "", "aires search --session ID --since 24h", query.Filter{Since: day, Until: until, SessionID: "sess-123", Limit: 100})
	search("console latest errors (1h, all)", "", "", query.Filter{Since: hour, Until: until, MinSeverity: row.SeverityError, Limit: 20})
	search("tail poll (30 s, one service)", "", "one poll of aires tail --service svc-7", query.Filter{Since: now.Add(-30 * time.Second), Until: until, Service: "svc-7", Limit: query.MaxLimit})
	dash("console services (24h)", "< 300 ms", query.Services, query.Range{Since: day, Until: until})
	dash("console rates (24h, all)", "< 300 ms", query.Rates, query.Range{Since: day, Until: until})
	dash("console routes p50/p90/p99 (24h, all)", "< 300 ms", query.Routes, query.Range{Since: day, Until: until})
	dash("console routes p50/p90/p99 (1h, svc-2)", "< 300 ms", query.Routes, query.Range{Since: hour, Until: until, Service: "svc-2"})
	return out
}

func measure(ctx context.Context, conn driver.Conn, q namedQuery, runs int) (result, error) {
	r := result{Query: q.name, SQL: q.sql, Target: q.target, Comment: q.comment}
	if q.err != nil {
		return r, q.err
	}
	// Cold: drop the mark and uncompressed caches first (the OS page cache
	// stays: this is "first query after a while", not a fresh boot).
	_ = conn.Exec(ctx, "SYSTEM DROP MARK CACHE")
	_ = conn.Exec(ctx, "SYSTEM DROP UNCOMPRESSED CACHE")
	for i := range runs {
		start := time.Now()
		rows, err := conn.Query(ctx, q.sql, q.args...)
		if err != nil {
			return r, err
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return r, err
		}
		ms := round(float64(time.Since(start).Microseconds()) / 1000)
		r.AllMs = append(r.AllMs, ms)
		if i == 0 {
			r.ColdMs, r.Rows = ms, n
		}
	}
	warm := append([]float64(nil), r.AllMs[1:]...)
	sort.Float64s(warm)
	if len(warm) > 0 {
		r.WarmMs = warm[len(warm)/2]
	}
	return r, nil
}

func round(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
