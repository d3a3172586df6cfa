package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/query"
	"github.com/aires-dev/aires/internal/schema"
)

// consolePage is the whole console: one HTML file with its script and
// styles inline, so it works offline and loads nothing from elsewhere.
//
//go:embed console.html
var consolePage []byte

// maxConsoleRange bounds the time range a console request may ask for.
const maxConsoleRange = 7 * 24 * time.Hour

func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aires console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connFlags
	conn.register(fs)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve the console on (no authentication: keep it on loopback or behind your proxy)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aires console [flags]\n\nServes one web page: event and error rates, latency per route, the latest errors, search.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	table, db, err := conn.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	c := &console{conn: &conn, db: db, table: table}
	srv := &http.Server{Handler: c.routes(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "aires console on http://%s (database %s at %s)\n", ln.Addr(), conn.database, conn.endpoint)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// console answers the page's requests; each is one bounded query.
type console struct {
	conn  *connFlags
	db    driver.Conn
	table schema.Table
}

func (c *console) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
		_, _ = w.Write(consolePage)
	})
	mux.HandleFunc("GET /api/services", c.handle(c.services))
	mux.HandleFunc("GET /api/rates", c.handle(c.rates))
	mux.HandleFunc("GET /api/routes", c.handle(c.routeLatency))
	mux.HandleFunc("GET /api/errors", c.handle(c.latestErrors))
	mux.HandleFunc("GET /api/search", c.handle(c.search))
	mux.HandleFunc("GET /api/event", c.handle(c.event))
	return mux
}

// badRequest is an error in the request's parameters (HTTP 400).
type badRequest struct{ error }

// handle turns a query function into a JSON handler.
func (c *console) handle(f func(ctx context.Context, r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		v, err := f(r.Context(), r)
		if err != nil {
			status := http.StatusInternalServerError
			var bad badRequest
			if errors.As(err, &bad) {
				status = http.StatusBadRequest
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
}

// timeRange reads since (a duration, default 1h) and service.
func timeRange(r *http.Request) (query.Range, error) {
	since := time.Hour
	if s := r.URL.Query().Get("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > maxConsoleRange {
			return query.Range{}, badRequest{fmt.Errorf("since %q: use a duration from 1m to %s, e.g. 1h", s, maxConsoleRange)}
		}
		since = d
	}
	now := time.Now()
	return query.Range{Since: now.Add(-since), Until: now.Add(time.Minute), Service: r.URL.Query().Get("service")}, nil
}

func (c *console) services(ctx context.Context, r *http.Request) (any, error) {
	return dashboard(ctx, c, r, query.Services, func(rows driver.Rows, s *query.ServiceCount) error {
		return rows.Scan(&s.Service, &s.Events, &s.Errors)
	})
}

func (c *console) rates(ctx context.Context, r *http.Request) (any, error) {
	return dashboard(ctx, c, r, query.Rates, func(rows driver.Rows, m *query.MinuteCount) error {
		return rows.Scan(&m.Minute, &m.Events, &m.Errors)
	})
}

func (c *console) routeLatency(ctx context.Context, r *http.Request) (any, error) {
	return dashboard(ctx, c, r, query.Routes, func(rows driver.Rows, rl *query.RouteLatency) error {
		var err error
		*rl, err = query.ScanRoute(rows)
		return err
	})
}

// dashboard runs one of internal/query's dashboard queries over the
// request's range and returns its rows, scanned by scan, as a JSON array
// (empty, not null, when there are none).
func dashboard[T any](ctx context.Context, c *console, r *http.Request,
	build func(string, query.Range) (string, []any, error), scan func(driver.Rows, *T) error) ([]T, error) {
	rg, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	sql, args, err := build(c.table.Database, rg)
	if err != nil {
		return nil, badRequest{err}
	}
	rows, err := c.db.Query(c.conn.queryContext(ctx, 5000), sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (c *console) latestErrors(ctx context.Context, r *http.Request) (any, error) {
	rg, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	f := query.Filter{Since: rg.Since, Until: rg.Until, Service: rg.Service, MinSeverity: 5, Limit: 20}
	return c.events(ctx, f)
}

func (c *console) search(ctx context.Context, r *http.Request) (any, error) {
	rg, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			return nil, badRequest{fmt.Errorf("limit %q: use 1 to 1000", s)}
		}
	}
	f := query.Filter{Since: rg.Since, Until: rg.Until, Service: rg.Service, Text: q.Get("q"),
		TraceID: q.Get("trace"), SessionID: q.Get("session"), UserID: q.Get("user"), Limit: limit}
	return c.events(ctx, f)
}

// event is one event by id, looked up within a minute of the time its
// UUID v7 holds (else over the request's range).
func (c *console) event(ctx context.Context, r *http.Request) (any, error) {
	id := r.URL.Query().Get("id")
	rg, err := timeRange(r)
	if err != nil {
		return nil, err
	}
	f := query.Filter{Since: rg.Since, Until: rg.Until, ID: id, Limit: 1}
	if t, ok := query.TimeOfID(id); ok {
		f.Since, f.Until = t.Add(-time.Minute), t.Add(time.Minute)
	}
	evs, err := c.events(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, badRequest{fmt.Errorf("no event with id %q", id)}
	}
	return evs[0], nil
}

func (c *console) events(ctx context.Context, f query.Filter) ([]query.Event, error) {
	f = narrowToTrace(c.conn.queryContext(ctx, 1000), c.db, c.table, f)
	sql, args, err := query.Search(c.table, f, query.NewestFirst)
	if err != nil {
		return nil, badRequest{err}
	}
	evs, err := fetch(c.conn.queryContext(ctx, f.Limit), c.db, c.table, sql, args)
	if evs == nil {
		evs = []query.Event{}
	}
	return evs, err
}
