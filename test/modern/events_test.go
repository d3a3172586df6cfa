package modern

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// event is one row of the events table, written as an INSERT ... VALUES
// literal: plain SQL that every server version from 18.16 on accepts.
type event struct {
	ts                     time.Time
	service, env, severity string
	message, traceID       string
	method, route          string
	status                 uint16
	durationMs             float64
	strAttrs               map[string]string
	intAttrs               map[string]int64
	floatAttrs             map[string]float64
}

// eventColumns are the columns event fills; the others take their defaults.
const eventColumns = "id, timestamp, timestamp_ns, service, environment, severity, message, trace_id, " +
	"attr_str_keys, attr_str_values, attr_int_keys, attr_int_values, attr_float_keys, attr_float_values, " +
	"http_method, http_route, http_status, http_duration_ms"

func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func float(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// kv writes a map as the keys and values arrays of the table.
func kv[V any](m map[string]V, format func(V) string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ks, vs []string
	for _, k := range keys {
		ks = append(ks, quoteString(k))
		vs = append(vs, format(m[k]))
	}
	return "[" + strings.Join(ks, ", ") + "], [" + strings.Join(vs, ", ") + "]"
}

// values is the row as a VALUES tuple; n makes its id unique.
func (ev event) values(n int) string {
	env := ev.env
	if env == "" {
		env = "prod"
	}
	return fmt.Sprintf("('00000000-0000-7000-8000-%012x', %d, %d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d, %s)",
		n, ev.ts.Unix(), ev.ts.UnixNano(), quoteString(ev.service), quoteString(env), quoteString(ev.severity),
		quoteString(ev.message), quoteString(ev.traceID),
		kv(ev.strAttrs, quoteString),
		kv(ev.intAttrs, func(v int64) string { return strconv.FormatInt(v, 10) }),
		kv(ev.floatAttrs, float),
		quoteString(ev.method), quoteString(ev.route), ev.status, float(ev.durationMs))
}

// insertEvents inserts evs into table in one INSERT (one part, one pass
// through the views), numbering their ids from first.
func insertEvents(tb testing.TB, e sqlEngine, table schema.Table, first int, evs []event) {
	tb.Helper()
	mustExec(tb, e, insertSQL(table, "", first, evs))
}

// insertSQL is the INSERT of evs, with settings (a SETTINGS clause's body)
// when not empty.
func insertSQL(table schema.Table, settings string, first int, evs []event) string {
	vals := make([]string, len(evs))
	for i, ev := range evs {
		vals[i] = ev.values(first + i)
	}
	if settings != "" {
		settings = " SETTINGS " + settings
	}
	return "INSERT INTO " + table.String() + " (" + eventColumns + ")" + settings + " VALUES " + strings.Join(vals, ", ")
}
