package query

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    row.Severity
		wantErr bool
	}{
		{in: "warn", want: row.SeverityWarn},
		{in: ">=warn", want: row.SeverityWarn},
		{in: "warn+", want: row.SeverityWarn},
		{in: " >= Error ", want: row.SeverityError},
		{in: "warning", want: row.SeverityWarn},
		{in: "info", want: row.SeverityInfo},
		{in: "fatal", want: row.SeverityFatal},
		{in: "loud", wantErr: true},
		{in: "", wantErr: true},
		{in: "warn' OR 1=1 --", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSeverity(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "use one of trace, debug, info, warn, error, fatal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseWhere(t *testing.T) {
	tests := []struct {
		in      string
		want    []Cond
		wantErr string
	}{
		{in: "http_status >= 500", want: []Cond{{Column: "http_status", Op: ">=", Value: uint64(500)}}},
		{in: "http_status>=500 AND service = 'check out'", want: []Cond{
			{Column: "http_status", Op: ">=", Value: uint64(500)}, {Column: "service", Op: "=", Value: "check out"}}},
		{in: "http_duration_ms > 12.5", want: []Cond{{Column: "http_duration_ms", Op: ">", Value: 12.5}}},
		{in: "http_request_size != -1", want: []Cond{{Column: "http_request_size", Op: "!=", Value: int64(-1)}}},
		{in: "attr.order.id = A-17", want: []Cond{{Column: "attr.order.id", Op: "=", Value: "A-17"}}},
		{in: `message = "say \"hi\""`, want: []Cond{{Column: "message", Op: "=", Value: `say "hi"`}}},
		// Injection attempts become values, or errors.
		{in: "service = 'x'' OR 1=1 --'", wantErr: `expected "and"`},
		{in: `service = 'x\' OR 1=1; DROP TABLE events --'`, want: []Cond{{Column: "service", Op: "=", Value: "x' OR 1=1; DROP TABLE events --"}}},
		{in: "service = x;DROP", want: []Cond{{Column: "service", Op: "=", Value: "x;DROP"}}},
		{in: "service = 'ünï\\\\cödé'", want: []Cond{{Column: "service", Op: "=", Value: `ünï\cödé`}}},
		{in: "1=1", wantErr: `unknown column "1"`},
		{in: "service; DROP TABLE events = 1", wantErr: `expected one of = != < <= > >= after service`},
		{in: "http_status >= '500'", wantErr: "compare it with a whole number"},
		{in: "http_status >= 5xx", wantErr: "compare it with a whole number"},
		{in: "timestamp > 0", wantErr: `unknown column "timestamp"`},
		{in: "tags = x", wantErr: `unknown column "tags"`},
		{in: "service = 'open", wantErr: "unterminated quoted value"},
		{in: "service =", wantErr: "missing value"},
		{in: "service = a or service = b", wantErr: `expected "and"`},
		{in: "  ", wantErr: "no condition"},
		{in: "attr. = x", wantErr: "attr. needs an attribute key"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWhere(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSearch(t *testing.T) {
	table := schema.Table{Database: "aires", Name: "events"}
	since := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	until := since.Add(time.Hour)
	where, err := ParseWhere("http_status >= 500 and attr.order.id = 'A-17'")
	require.NoError(t, err)
	f := Filter{Since: since, Until: until, Service: "checkout", MinSeverity: row.SeverityWarn, Text: "pay'ment",
		TraceID: "t1", SessionID: "s1", UserID: "u1", Where: where, Limit: 50}
	sql, args, err := Search(table, f, NewestFirst)
	require.NoError(t, err)
	assert.Equal(t, strings.Count(sql, "?"), len(args), "one argument per placeholder")
	assert.NotContains(t, sql, "pay'ment", "values are arguments, never SQL text")
	assert.NotContains(t, sql, "checkout")
	assert.Contains(t, sql, "FROM `aires`.`events`")
	assert.Contains(t, sql, "ORDER BY timestamp DESC, timestamp_ns DESC\nLIMIT ?")
	assert.Contains(t, sql, "attr_str_values[indexOf(attr_str_keys, ?)] = ?")
	assert.Contains(t, sql, "PREWHERE trace_id = ? AND session_id = ? AND user_id = ?\nWHERE ", "id lookups read one column first")
	assert.Equal(t, []any{"t1", "s1", "u1", since.Unix(), until.Unix(), uint64(since.UnixNano()), uint64(until.UnixNano()),
		"checkout", int8(4), "pay'ment", uint64(500), "order.id", "A-17", 50}, args)

	asc, _, err := Search(table, Filter{Since: since, Until: until, Limit: 1}, OldestFirst)
	require.NoError(t, err)
	assert.Contains(t, asc, "ORDER BY timestamp ASC")
}

func TestSearchRefuses(t *testing.T) {
	table := schema.Table{Database: "aires", Name: "events"}
	now := time.Now()
	tests := []struct {
		name    string
		f       Filter
		order   string
		wantErr string
	}{
		{name: "no time range", f: Filter{Limit: 10}, order: NewestFirst, wantErr: "needs a time range"},
		{name: "reversed range", f: Filter{Since: now, Until: now.Add(-time.Hour), Limit: 10}, order: NewestFirst, wantErr: "ends before it starts"},
		{name: "no limit", f: Filter{Since: now.Add(-time.Hour), Until: now}, order: NewestFirst, wantErr: "limit 0"},
		{name: "huge limit", f: Filter{Since: now.Add(-time.Hour), Until: now, Limit: MaxLimit + 1}, order: NewestFirst, wantErr: "use 1 to 10000"},
		{name: "hand-made column", f: Filter{Since: now.Add(-time.Hour), Until: now, Limit: 1,
			Where: []Cond{{Column: "1=1 OR service", Op: "=", Value: "x"}}}, order: NewestFirst, wantErr: "unknown column or operator"},
		{name: "hand-made operator", f: Filter{Since: now.Add(-time.Hour), Until: now, Limit: 1,
			Where: []Cond{{Column: "service", Op: "= 'x' OR 1 =", Value: "x"}}}, order: NewestFirst, wantErr: "unknown column or operator"},
		{name: "order", f: Filter{Since: now.Add(-time.Hour), Until: now, Limit: 1}, order: "DESC; DROP", wantErr: "order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Search(table, tt.f, tt.order)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestTimeOfID(t *testing.T) {
	tests := []struct {
		id   string
		want time.Time
		ok   bool
	}{
		{id: "0190c1d2-7a4b-7c3d-8e9f-0a1b2c3d4e5f", want: time.UnixMilli(0x0190c1d27a4b).UTC(), ok: true},
		{id: "0190C1D2-7A4B-7C3D-8E9F-0A1B2C3D4E5F", want: time.UnixMilli(0x0190c1d27a4b).UTC(), ok: true},
		{id: "0190c1d2-7a4b-4c3d-8e9f-0a1b2c3d4e5f"}, // v4
		{id: "not-a-uuid"},
		{id: "0190c1d2-7a4b-7c3d-8e9f-0a1b2c3d4e5f' OR 1=1"},
	}
	for _, tt := range tests {
		got, ok := TimeOfID(tt.id)
		assert.Equal(t, tt.ok, ok, tt.id)
		assert.Equal(t, tt.want, got, tt.id)
	}
}

func TestSearchByID(t *testing.T) {
	table := schema.Table{Database: "aires", Name: "events"}
	now := time.Now()
	f := Filter{Since: now.Add(-time.Minute), Until: now, Limit: 1, ID: "0190C1D2-7A4B-7C3D-8E9F-0A1B2C3D4E5F"}
	sql, args, err := Search(table, f, NewestFirst)
	require.NoError(t, err)
	assert.Contains(t, sql, "id = toUUID(?)")
	assert.Contains(t, args, "0190c1d2-7a4b-7c3d-8e9f-0a1b2c3d4e5f")
	f.ID = "x' OR 1=1 --"
	_, _, err = Search(table, f, NewestFirst)
	require.ErrorContains(t, err, "want a UUID")
}

func TestDashboardQueries(t *testing.T) {
	since := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	r := Range{Since: since, Until: since.Add(time.Hour), Service: "check'out"}
	for name, build := range map[string]func(string, Range) (string, []any, error){"services": Services, "rates": Rates, "routes": Routes} {
		t.Run(name, func(t *testing.T) {
			sql, args, err := build("aires", r)
			require.NoError(t, err)
			assert.Equal(t, strings.Count(sql, "?"), len(args))
			assert.NotContains(t, sql, "check'out")
			assert.Contains(t, sql, "LIMIT ?")
			_, _, err = build("aires", Range{})
			require.ErrorContains(t, err, "needs a time range")
		})
	}
	sql, args, err := Routes("aires", r)
	require.NoError(t, err)
	assert.Contains(t, sql, "FROM `aires`.`events_http_1m`")
	assert.Equal(t, []any{since.Unix(), since.Add(time.Hour).Unix(), "check'out", dashboardLimit}, args)
	sql, args, err = Services("aires", r)
	require.NoError(t, err)
	assert.Contains(t, sql, "FROM `aires`.`events_errors_1m`")
	assert.Len(t, args, 3, "the service list is of every service")
}

func TestNarrowToTrace(t *testing.T) {
	since := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	until := since.Add(24 * time.Hour)
	f := Filter{Since: since, Until: until, TraceID: "t1", Limit: 100}
	h := func(n int) time.Time { return since.Add(time.Duration(n) * time.Hour) }

	got := NarrowToTrace(f, []TraceLocation{{Service: "api", FirstHour: h(3), LastHour: h(3)}, {Service: "db", FirstHour: h(2), LastHour: h(4)}})
	assert.Equal(t, []string{"api", "db"}, got.Services)
	assert.Equal(t, h(2), got.Since)
	assert.Equal(t, h(5), got.Until, "the last hour is searched to its end")

	assert.Equal(t, f, NarrowToTrace(f, nil), "not in the index: scan as before")
	many := make([]TraceLocation, maxTraceServices+1)
	assert.Equal(t, f, NarrowToTrace(f, many), "too many services: no service list")

	f.Service = "api"
	got = NarrowToTrace(f, []TraceLocation{{Service: "api", FirstHour: h(3), LastHour: h(3)}})
	assert.Nil(t, got.Services, "a service the user gave stays the only one")
	assert.Equal(t, h(3), got.Since)

	table := schema.Table{Database: "aires", Name: "events"}
	sql, args, err := Search(table, NarrowToTrace(Filter{Since: since, Until: until, TraceID: "t1", Limit: 10},
		[]TraceLocation{{Service: "a'b", FirstHour: h(1), LastHour: h(1)}, {Service: "c", FirstHour: h(1), LastHour: h(1)}}), NewestFirst)
	require.NoError(t, err)
	assert.Contains(t, sql, "service IN (?, ?)")
	assert.NotContains(t, sql, "a'b")
	assert.Equal(t, strings.Count(sql, "?"), len(args))

	lsql, largs := TraceLocations(table, "x' OR 1=1", since, until)
	assert.Contains(t, lsql, "FROM `aires`.`events_traces`")
	assert.Equal(t, strings.Count(lsql, "?"), len(largs))
	assert.Equal(t, "x' OR 1=1", largs[0])
}
