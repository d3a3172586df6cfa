package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/query"
	"github.com/aires-dev/aires/internal/schema"
)

// filterFlags are the selection flags of search and tail.
type filterFlags struct {
	service, severity, where string
}

func (f *filterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.service, "service", "", "only this service")
	fs.StringVar(&f.severity, "severity", "", "only this severity and above: trace, debug, info, warn, error, fatal (>=warn also works)")
	fs.StringVar(&f.where, "where", "", "conditions on columns, joined by and: 'http_status >= 500 and http_route = /pay' (attr.<key> for string attributes)")
}

func (f *filterFlags) apply(q *query.Filter) error {
	q.Service = f.service
	if f.severity != "" {
		sev, err := query.ParseSeverity(f.severity)
		if err != nil {
			return err
		}
		q.MinSeverity = sev
	}
	if f.where != "" {
		conds, err := query.ParseWhere(f.where)
		if err != nil {
			return err
		}
		q.Where = conds
	}
	return nil
}

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aires search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connFlags
	var filter filterFlags
	conn.register(fs)
	filter.register(fs)
	since := fs.Duration("since", time.Hour, "how far back to look")
	trace := fs.String("trace", "", "only this trace id")
	session := fs.String("session", "", "only this session id")
	user := fs.String("user", "", "only this user id")
	limit := fs.Int("limit", 100, fmt.Sprintf("at most this many events (up to %d)", query.MaxLimit))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aires search [flags] [TEXT]\n\nEvents whose message contains TEXT (any case) and that match the flags, newest first.\n\nFlags:")
		fs.PrintDefaults()
	}
	// Flags may come after TEXT too: parse again after each word of it.
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words, args = append(words, fs.Arg(0)), fs.Args()[1:]
	}
	if *since <= 0 {
		return fmt.Errorf("--since %s: must be positive, e.g. 15m, 24h", *since)
	}
	now := time.Now()
	f := query.Filter{Since: now.Add(-*since), Until: now.Add(time.Minute), Text: strings.Join(words, " "),
		TraceID: *trace, SessionID: *session, UserID: *user, Limit: *limit}
	if err := filter.apply(&f); err != nil {
		return err
	}
	table, db, err := conn.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	f = narrowToTrace(conn.queryContext(ctx, 1000), db, table, f)
	sql, qargs, err := query.Search(table, f, query.NewestFirst)
	if err != nil {
		return err
	}
	events, err := fetch(conn.queryContext(ctx, f.Limit), db, table, sql, qargs)
	if err != nil {
		return err
	}
	out := newPrinter(stdout, conn.json)
	for _, e := range events {
		if err := out.print(e); err != nil {
			return err
		}
	}
	if !conn.json && len(events) == 0 {
		fmt.Fprintf(stderr, "no events in the last %s matching\n", *since)
	}
	return nil
}

// narrowToTrace looks a search by trace id up in the trace index first, and
// narrows it to the services and hours the trace is in. Without the index
// (a schema older than version 4, or a server error) the search stays as it
// is, and scans.
func narrowToTrace(ctx context.Context, db driver.Conn, table schema.Table, f query.Filter) query.Filter {
	if f.TraceID == "" {
		return f
	}
	sql, args := query.TraceLocations(table, f.TraceID, f.Since, f.Until)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return f
	}
	defer rows.Close()
	var locs []query.TraceLocation
	for rows.Next() {
		var l query.TraceLocation
		if err := rows.Scan(&l.Service, &l.FirstHour, &l.LastHour); err != nil {
			return f
		}
		locs = append(locs, l)
	}
	if rows.Err() != nil {
		return f
	}
	return query.NarrowToTrace(f, locs)
}

// fetch runs a Search query and reads its rows.
func fetch(ctx context.Context, db driver.Conn, table schema.Table, sql string, args []any) ([]query.Event, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", table, err)
	}
	defer rows.Close()
	var out []query.Event
	for rows.Next() {
		e, err := query.Scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read a row of %s: %w", table, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
