package query

import (
	"strings"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// TraceLocation is where a trace's events are: a service, and the first and
// last hour that holds some of them (from the trace index).
type TraceLocation struct {
	Service             string
	FirstHour, LastHour time.Time
}

// maxTraceServices bounds the services a trace lookup narrows to; a trace
// across more is searched without the service condition.
const maxTraceServices = 100

// TraceLocations is the SQL that reads, from the trace index
// (<table>_traces), the services and hours of trace traceID within
// [since, until]. Scan rows into TraceLocation's fields in order. The index
// is ordered by trace id: the server reads a few granules of it.
func TraceLocations(t schema.Table, traceID string, since, until time.Time) (string, []any) {
	index := schema.Table{Database: t.Database, Name: t.Name + schema.TracesViewSuffix}
	return "SELECT service, min(hour), max(hour)\nFROM " + index.String() +
			"\nWHERE trace_id = ? AND hour >= toStartOfHour(toDateTime(?)) AND hour <= toDateTime(?)" +
			"\nGROUP BY service\nORDER BY service\nLIMIT ?",
		[]any{traceID, since.Unix(), until.Unix(), maxTraceServices + 1}
}

// NarrowToTrace narrows f, a search by trace id, to the services and hours
// the trace index gives. With no location (a trace stored before the index
// existed, or none at all) or too many services, f stays as it is: the
// search then scans the trace_id column over f's range.
func NarrowToTrace(f Filter, locs []TraceLocation) Filter {
	if len(locs) == 0 || len(locs) > maxTraceServices {
		return f
	}
	first, last := locs[0].FirstHour, locs[0].LastHour
	services := make([]string, 0, len(locs))
	for _, l := range locs {
		services = append(services, l.Service)
		if l.FirstHour.Before(first) {
			first = l.FirstHour
		}
		if l.LastHour.After(last) {
			last = l.LastHour
		}
	}
	if f.Service == "" {
		f.Services = services
	}
	if first.After(f.Since) {
		f.Since = first
	}
	if end := last.Add(time.Hour); end.Before(f.Until) {
		f.Until = end
	}
	return f
}

// inList is "(?, ?, ...)" for n values.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}
