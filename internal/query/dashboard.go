package query

import (
	"fmt"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// The console's dashboard reads the two materialized views the exporter
// keeps (events_errors_1m, events_http_1m), never the events table: a day
// of a busy service is a few thousand rows there. Like Search, every value
// is a bound parameter and every query has a time range and a LIMIT.

// Range is the time range and service of a dashboard query.
type Range struct {
	Since, Until time.Time
	Service      string // "" = every service
}

func (r Range) where(timeCol string) (string, []any, error) {
	if r.Since.IsZero() || r.Until.IsZero() || r.Until.Before(r.Since) {
		return "", nil, fmt.Errorf("a dashboard query needs a time range that ends after it starts")
	}
	w := timeCol + " >= toDateTime(?) AND " + timeCol + " <= toDateTime(?)"
	args := []any{r.Since.Unix(), r.Until.Unix()}
	if r.Service != "" {
		w += " AND service = ?"
		args = append(args, r.Service)
	}
	return w, args, nil
}

// dashboardLimit bounds the rows of a dashboard query: minutes of a day,
// services, routes.
const dashboardLimit = 5000

// ServiceCount is one service's events and errors in a range.
type ServiceCount struct {
	Service string `json:"service"`
	Events  uint64 `json:"events"`
	Errors  uint64 `json:"errors"`
}

// Services is the SQL of the events and errors per service in r (r.Service
// is ignored: the list is of every service), busiest first. Scan rows into
// ServiceCount's fields in order.
func Services(db string, r Range) (string, []any, error) {
	r.Service = ""
	w, args, err := r.where("minute")
	if err != nil {
		return "", nil, err
	}
	return "SELECT service, sum(events) AS event_count, sum(errors) AS error_count\nFROM " + errorsView(db) +
		"\nWHERE " + w + "\nGROUP BY service\nORDER BY event_count DESC, service\nLIMIT ?", append(args, dashboardLimit), nil
}

// MinuteCount is one minute's events and errors.
type MinuteCount struct {
	Minute time.Time `json:"minute"`
	Events uint64    `json:"events"`
	Errors uint64    `json:"errors"`
}

// Rates is the SQL of events and errors per minute in r, oldest first. Scan
// rows into MinuteCount's fields in order.
func Rates(db string, r Range) (string, []any, error) {
	w, args, err := r.where("minute")
	if err != nil {
		return "", nil, err
	}
	return "SELECT minute, sum(events) AS event_count, sum(errors) AS error_count\nFROM " + errorsView(db) +
		"\nWHERE " + w + "\nGROUP BY minute\nORDER BY minute\nLIMIT ?", append(args, dashboardLimit), nil
}

// RouteLatency is one route's requests and latency in a range.
type RouteLatency struct {
	Method    string  `json:"method"`
	Route     string  `json:"route"`
	Requests  uint64  `json:"requests"`
	Errors5xx uint64  `json:"errors_5xx"`
	AvgMs     float64 `json:"avg_ms"`
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
}

// Routes is the SQL of requests, 5xx and p50/p90/p99 latency per route in
// r, busiest first. Scan rows with ScanRoute.
func Routes(db string, r Range) (string, []any, error) {
	w, args, err := r.where("minute")
	if err != nil {
		return "", nil, err
	}
	return "SELECT http_method, http_route, sum(requests) AS request_count, sum(errors_5xx) AS error_5xx_count,\n" +
			"    sum(duration_ms_sum) / request_count AS avg_ms,\n" +
			"    quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles) AS p50_p90_p99\nFROM " + httpView(db) +
			"\nWHERE " + w + "\nGROUP BY http_method, http_route\nORDER BY request_count DESC, http_route, http_method\nLIMIT ?",
		append(args, dashboardLimit), nil
}

// ScanRoute reads one row of Routes.
func ScanRoute(rows Scanner) (RouteLatency, error) {
	var r RouteLatency
	var q []float32 // t-digest quantiles are Float32
	if err := rows.Scan(&r.Method, &r.Route, &r.Requests, &r.Errors5xx, &r.AvgMs, &q); err != nil {
		return r, err
	}
	if len(q) == 3 {
		r.P50Ms, r.P90Ms, r.P99Ms = float64(q[0]), float64(q[1]), float64(q[2])
	}
	return r, nil
}

func errorsView(db string) string {
	return schema.Table{Database: db, Name: "events" + schema.ErrorsViewSuffix}.String()
}

func httpView(db string) string {
	return schema.Table{Database: db, Name: "events" + schema.HTTPViewSuffix}.String()
}
