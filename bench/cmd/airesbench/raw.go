package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
)

// tableColumns reads the events table's stored columns in table order (18.16 has no system.columns.position) (ALIAS and
// MATERIALIZED columns cannot be inserted).
func tableColumns(ctx context.Context, conn driver.Conn, db string) ([]string, error) {
	cols, err := queryStrings(ctx, conn, "SELECT name FROM system.columns WHERE database = ? AND table = 'events' AND default_kind NOT IN ('ALIAS', 'MATERIALIZED')", db)
	if err == nil && len(cols) == 0 {
		err = fmt.Errorf("table %s.events not found: the collector creates it (create_schema: true)", db)
	}
	return cols, err
}

// queryStrings runs a query of one String column and returns its values.
func queryStrings(ctx context.Context, conn driver.Conn, query string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// cloneSchema creates database to with the tables and materialized views of
// database from (its migrations table left out), so that the raw phase
// inserts into the same events table and views as the pipeline without
// sharing their parts. Before, the raw phase's rows were truncated from the
// pipeline's table: deleting thousands of files right before the measured
// phases, which on ext4 without a journal (these machines) makes every
// file ClickHouse creates for the next minutes up to 15 times slower (see
// fsCreateProbe).
func cloneSchema(ctx context.Context, conn driver.Conn, from, to string) error {
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+to); err != nil {
		return fmt.Errorf("create database %s: %w", to, err)
	}
	// Tables before views: a view names its target table.
	names, err := queryStrings(ctx, conn, "SELECT name FROM system.tables WHERE database = ? AND name != 'schema_migrations' ORDER BY engine = 'MaterializedView', name", from)
	if err != nil {
		return err
	}
	for _, n := range names {
		var ddl string
		if err := conn.QueryRow(ctx, fmt.Sprintf("SHOW CREATE TABLE %s.%s", from, n)).Scan(&ddl); err != nil {
			return fmt.Errorf("show create table %s.%s: %w", from, n, err)
		}
		ddl = strings.ReplaceAll(ddl, from+".", to+".")
		if err := conn.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("create %s.%s: %w", to, n, err)
		}
	}
	return nil
}

// rawBlock is one batch of the bench's events in column form, as the
// minimal client writes them: a typed slice per column, one Append per column.
type rawBlock struct {
	n    int
	cols map[string]any
	ids  []uuid.UUID
	ts   []time.Time
	tsNs []uint64
}

func newRawBlock(tmpls []*evTemplate, n, offset int) *rawBlock {
	host, _ := os.Hostname()
	b := &rawBlock{n: n, cols: map[string]any{}, ids: make([]uuid.UUID, n), ts: make([]time.Time, n), tsNs: make([]uint64, n)}
	strCol := func(name string, f func(t *evTemplate) string) {
		v := make([]string, n)
		for i := range v {
			v[i] = f(tmpls[(offset+i)%len(tmpls)])
		}
		b.cols[name] = v
	}
	arrCol := func(name string, f func(t *evTemplate) []string) {
		v := make([][]string, n)
		for i := range v {
			v[i] = f(tmpls[(offset+i)%len(tmpls)])
			if v[i] == nil {
				v[i] = []string{}
			}
		}
		b.cols[name] = v
	}
	b.cols["id"], b.cols["timestamp"], b.cols["timestamp_ns"] = b.ids, b.ts, b.tsNs
	strCol("service", func(*evTemplate) string { return serviceRaw })
	strCol("environment", func(*evTemplate) string { return benchEnv })
	strCol("release", func(*evTemplate) string { return benchRelease })
	strCol("host", func(*evTemplate) string { return host })
	sev := make([]int8, n)
	ints, flts, bools := make([][]int64, n), make([][]float64, n), make([][]uint8, n)
	status := make([]uint16, n)
	dur := make([]float64, n)
	req, res := make([]int64, n), make([]int64, n)
	for i := range n {
		t := tmpls[(offset+i)%len(tmpls)]
		sev[i] = int8(t.sev)
		ints[i], flts[i], bools[i] = orEmpty(t.intV), orEmpty(t.fltV), orEmpty(t.boolV)
		status[i], dur[i], req[i], res[i] = t.httpStatus, t.httpDurMs, t.httpReq, t.httpRes
	}
	b.cols["severity"] = sev
	strCol("message", func(t *evTemplate) string { return t.msg })
	strCol("trace_id", func(t *evTemplate) string { return t.traceID })
	strCol("span_id", func(t *evTemplate) string { return t.spanID })
	strCol("session_id", func(t *evTemplate) string { return t.sessionID })
	strCol("user_id", func(t *evTemplate) string { return t.userID })
	arrCol("tags", func(t *evTemplate) []string { return t.tags })
	arrCol("attr_str_keys", func(t *evTemplate) []string { return t.strK })
	arrCol("attr_str_values", func(t *evTemplate) []string { return t.strV })
	arrCol("attr_int_keys", func(t *evTemplate) []string { return t.intK })
	b.cols["attr_int_values"] = ints
	arrCol("attr_float_keys", func(t *evTemplate) []string { return t.fltK })
	b.cols["attr_float_values"] = flts
	arrCol("attr_bool_keys", func(t *evTemplate) []string { return t.boolK })
	b.cols["attr_bool_values"] = bools
	var rk, rv []string
	for _, kv := range resourceAttrs {
		rk, rv = append(rk, kv[0]), append(rv, kv[1])
	}
	arrCol("resource_keys", func(*evTemplate) []string { return rk })
	arrCol("resource_values", func(*evTemplate) []string { return rv })
	strCol("http_method", func(t *evTemplate) string { return t.httpMethod })
	strCol("http_route", func(t *evTemplate) string { return t.httpRoute })
	strCol("http_path", func(t *evTemplate) string { return t.httpPath })
	strCol("http_url", func(*evTemplate) string { return "" })
	b.cols["http_status"] = status
	b.cols["http_duration_ms"] = dur
	b.cols["http_request_size"] = req
	b.cols["http_response_size"] = res
	strCol("http_user_agent", func(t *evTemplate) string { return t.httpUA })
	strCol("http_client_ip", func(t *evTemplate) string { return t.httpIP })
	strCol("error_type", func(t *evTemplate) string { return t.errType })
	strCol("error_message", func(t *evTemplate) string { return t.errMsg })
	strCol("error_stack", func(t *evTemplate) string { return t.errStack })
	return b
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// stamp gives the block fresh ids and the current time.
func (b *rawBlock) stamp() {
	now := time.Now()
	for i := range b.n {
		b.ids[i] = uuid.Must(uuid.NewV7())
		t := now.Add(time.Duration(i))
		b.ts[i] = t.Truncate(time.Second)
		b.tsNs[i] = uint64(t.UnixNano())
	}
}

func (b *rawBlock) insert(ctx context.Context, conn driver.Conn, insertSQL string, cols []string) error {
	batch, err := conn.PrepareBatch(ctx, insertSQL)
	if err != nil {
		return err
	}
	defer func() { _ = batch.Close() }()
	for i, name := range cols {
		if err := batch.Column(i).Append(b.cols[name]); err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
	}
	return batch.Send()
}

// rawResult is the ceiling measured by rawInsert.
type rawResult struct {
	RowsPerSec float64            `json:"rows_per_sec"`
	Rows       int64              `json:"rows"`
	Seconds    float64            `json:"seconds"`
	BatchRows  int                `json:"batch_rows"`
	Writers    int                `json:"writers"`
	Cores      map[string]float64 `json:"cores_used"`
}

// rawInsert inserts the bench's rows straight into the events table with
// clickhouse-go (native protocol, LZ4, explicit column list, one Append per
// column) from `writers` goroutines for d: the insert ceiling of the machine.
func rawInsert(ctx context.Context, opts *clickhouse.Options, db string, tmpls []*evTemplate, batchRows, writers int, d time.Duration, pids map[string]int) (rawResult, error) {
	o := *opts
	o.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	o.MaxOpenConns, o.MaxIdleConns = writers+1, writers+1
	conn, err := clickhouse.Open(&o)
	if err != nil {
		return rawResult{}, err
	}
	defer conn.Close()
	cols, err := tableColumns(ctx, conn, db)
	if err != nil {
		return rawResult{}, err
	}
	insertSQL := fmt.Sprintf("INSERT INTO %s.events (%s)", db, strings.Join(cols, ", "))
	blocks := make([]*rawBlock, writers)
	for w := range blocks {
		blocks[w] = newRawBlock(tmpls, batchRows, w*batchRows)
		for _, c := range cols {
			if _, ok := blocks[w].cols[c]; !ok {
				return rawResult{}, fmt.Errorf("the bench does not know column %q of %s.events: update bench/cmd/airesbench/raw.go", c, db)
			}
		}
	}
	// One warm-up insert (connection, first part).
	blocks[0].stamp()
	if err := blocks[0].insert(ctx, conn, insertSQL, cols); err != nil {
		return rawResult{}, fmt.Errorf("raw insert: %w", err)
	}
	var rows atomic.Int64
	var firstErr error
	var once sync.Once
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	meter := newCPUMeter(pids)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for runCtx.Err() == nil {
				blocks[w].stamp()
				if err := blocks[w].insert(ctx, conn, insertSQL, cols); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				rows.Add(int64(batchRows))
			}
		})
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	if firstErr != nil {
		return rawResult{}, fmt.Errorf("raw insert: %w", firstErr)
	}
	return rawResult{RowsPerSec: float64(rows.Load()) / el, Rows: rows.Load(), Seconds: round2(el), BatchRows: batchRows, Writers: writers, Cores: meter.cores()}, nil
}
