package schema

import (
	"fmt"
	"strings"
)

// View is a materialized view kept up to date on every insert into the
// events table: a target table that holds the per-minute aggregates (its
// name is the events table's plus a suffix) and the view that feeds it
// (the target's name plus "_mv"). An explicit target table (TO) rather than
// the implicit .inner table lets the retention janitor drop its partitions
// and a later schema version replace the view without touching the data.
//
// In cluster mode the view runs on every shard, on the shard's
// <table>_local, into a per-shard target <table><suffix>_local; the name
// dashboards read, <table><suffix>, is a Distributed table over the targets.
type View struct {
	Target Table // the table holding the view's rows (the one dashboards read on one server)
	MV     Table // the materialized view writing into Target
	// TimeColumn is the target's DateTime column (partition and TTL key).
	TimeColumn string
	// CreateTarget and CreateMV create them (IF NOT EXISTS).
	CreateTarget string
	CreateMV     string
	// Distributed is the table dashboards read in cluster mode, over every
	// shard's Target, and CreateDistributed creates it; zero on one server.
	Distributed       Table
	CreateDistributed string
}

// View suffixes, appended to the events table's name.
const (
	ErrorsViewSuffix = "_errors_1m"
	HTTPViewSuffix   = "_http_1m"
	TracesViewSuffix = "_traces"
	mvSuffix         = "_mv"
)

// Quantile levels stored by the HTTP view. The state is a t-digest: any
// level can be read back (quantilesTDigestMerge(0.95)(...)); these three are
// the ones in the column type, so quantilesTDigestMerge(0.5, 0.9, 0.99)
// matches it literally.
const httpQuantiles = "quantilesTDigest(0.5, 0.9, 0.99)"

// viewColumn is a column of a view's target table.
type viewColumn struct {
	name, typ      string
	lowCardinality bool
}

func (s Schema) viewTable(suffix string) Table {
	return Table{Database: s.Table.Database, Name: s.Table.Name + suffix}
}

// Views are the materialized views of the events table:
//
//   - <table>_errors_1m: per minute, service and environment, the number of
//     events and of error events (severity error or fatal), so the error rate
//     is sum(errors) / sum(events). SummingMergeTree.
//
//   - <table>_http_1m: per minute, service, environment, method and route,
//     of the events that describe an HTTP request (http_status > 0): the
//     request count, 4xx and 5xx counts, the sum of durations and a t-digest
//     of the durations (p50/p90/p99, mergeable across minutes). A
//     SummingMergeTree also merges AggregateFunction columns (as an
//     AggregatingMergeTree would) while summing the counters.
//
//   - <table>_traces: the trace index. Per trace id, service and hour, the
//     number of events. Ordered by trace id, so finding where a trace is
//     reads a few granules whatever the table's size; the read side then
//     looks for the trace's events in those services and hours only, along
//     the events table's own order key (service, severity, timestamp).
//     18.16 has no skip indexes; this works on every version and in
//     cluster mode alike.
//
// The same columns on every server; LowCardinality, TTL and the
// deduplication window where it has them.
func (s Schema) Views() []View {
	return []View{
		s.view(ErrorsViewSuffix, "minute", []viewColumn{
			{"minute", "DateTime", false},
			{"service", "String", true},
			{"environment", "String", true},
			{"events", "UInt64", false},
			{"errors", "UInt64", false},
		}, "service, environment, minute", `    toStartOfMinute(timestamp) AS minute,
    service,
    environment,
    count() AS events,
    countIf(`+IsErrorExpr+`) AS errors
FROM %s
GROUP BY minute, service, environment`),
		s.view(HTTPViewSuffix, "minute", []viewColumn{
			{"minute", "DateTime", false},
			{"service", "String", true},
			{"environment", "String", true},
			{"http_method", "String", true},
			{"http_route", "String", true},
			{"requests", "UInt64", false},
			{"errors_4xx", "UInt64", false},
			{"errors_5xx", "UInt64", false},
			{"duration_ms_sum", "Float64", false},
			{"duration_ms_quantiles", "AggregateFunction(" + httpQuantiles + ", Float64)", false},
		}, "service, environment, http_route, http_method, minute", `    toStartOfMinute(timestamp) AS minute,
    service,
    environment,
    http_method,
    http_route,
    count() AS requests,
    countIf(http_status >= 400 AND http_status < 500) AS errors_4xx,
    countIf(http_status >= 500) AS errors_5xx,
    sum(http_duration_ms) AS duration_ms_sum,
    `+strings.Replace(httpQuantiles, "(", "State(", 1)+`(http_duration_ms) AS duration_ms_quantiles
FROM %s
WHERE http_status > 0
GROUP BY minute, service, environment, http_method, http_route`),
		s.view(TracesViewSuffix, "hour", []viewColumn{
			{"trace_id", "String", false},
			{"service", "String", true},
			{"hour", "DateTime", false},
			{"events", "UInt64", false},
		}, "trace_id, service, hour", `    trace_id,
    service,
    toStartOfHour(timestamp) AS hour,
    count() AS events
FROM %s
WHERE trace_id != ''
GROUP BY trace_id, service, hour`),
	}
}

func (s Schema) view(suffix, timeColumn string, cols []viewColumn, orderBy, selectBody string) View {
	v := View{Target: s.local(s.viewTable(suffix)), MV: s.viewTable(suffix + mvSuffix), TimeColumn: timeColumn}
	lines := make([]string, len(cols))
	for i, c := range cols {
		lines[i] = "    " + quote(c.name) + " " + s.Caps.columnType(c.typ, c.lowCardinality)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s%s\n(\n%s\n)\n", v.Target, s.onCluster(), strings.Join(lines, ",\n"))
	fmt.Fprintf(&b, "ENGINE = %s\nPARTITION BY toDate(%s)\nORDER BY (%s)\n", s.engine("SummingMergeTree", v.Target), v.TimeColumn, orderBy)
	if ttl := s.TTL(v.TimeColumn); ttl != "" {
		b.WriteString("TTL " + ttl + "\n")
	}
	b.WriteString(s.tableSettings())
	v.CreateTarget = b.String()
	v.CreateMV = fmt.Sprintf("CREATE MATERIALIZED VIEW IF NOT EXISTS %s%s TO %s\nAS SELECT\n"+selectBody+"\n", v.MV, s.onCluster(), v.Target, s.LocalTable())
	if s.Clustered() {
		v.Distributed = s.viewTable(suffix)
		v.CreateDistributed = s.createDistributed(v.Distributed, v.Target, lines, "")
	}
	return v
}

// Tables are the tables holding rows, events first (the per-shard ones in
// cluster mode): the ones retention applies to.
func (s Schema) Tables() []Table {
	ts := []Table{s.LocalTable()}
	for _, v := range s.Views() {
		ts = append(ts, v.Target)
	}
	return ts
}
