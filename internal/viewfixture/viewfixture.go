// Package viewfixture holds the fixed events and expected dashboard numbers
// that the server tests check the materialized views with: test/e2e sends the
// events through the collector to ClickHouse 18.16, test/modern inserts them
// with SQL into 26.7, and both run the README's dashboard queries over the
// views and compare with the numbers here.
package viewfixture

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"time"
)

// Base is the first minute of the events; they span three minutes, and the
// queries look at the hour from Base.
var Base = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// The dashboard queries of the README ("Dashboards"), with the database as
// {db} and the README's "last hour" condition as {window} (see Query).
//
// An alias must not reuse a column's name (sum(errors) AS errors would make a
// later sum(errors) a nested aggregate), hence the _count names.
const (
	ErrorRateQuery = `SELECT minute, service,
       sum(events) AS event_count, sum(errors) AS error_count,
       error_count / event_count AS error_rate
FROM {db}.events_errors_1m
WHERE {window}
GROUP BY minute, service
ORDER BY minute, service`

	HTTPMinuteQuery = `SELECT minute, service, http_route,
       sum(requests) AS request_count, sum(errors_5xx) AS error_5xx_count,
       sum(duration_ms_sum) / request_count AS avg_ms,
       quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles) AS p50_p90_p99
FROM {db}.events_http_1m
WHERE {window}
GROUP BY minute, service, http_route
ORDER BY minute, service, http_route`

	HTTPHourQuery = `SELECT toStartOfHour(minute) AS hour, service, http_route,
       sum(requests) AS request_count,
       quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles) AS p50_p90_p99
FROM {db}.events_http_1m
WHERE {window}
GROUP BY hour, service, http_route
ORDER BY hour, service, http_route`

	ErrorRateHourQuery = `SELECT service, sum(errors) / sum(events) AS error_rate
FROM {db}.events_errors_1m
WHERE {window}
GROUP BY service
ORDER BY service`
)

// Query is dashboard query q on database db over the hour from Base.
func Query(q, db string) string {
	window := fmt.Sprintf("minute >= toDateTime(%d) AND minute < toDateTime(%d)", Base.Unix(), Base.Add(time.Hour).Unix())
	return strings.NewReplacer("{db}", db, "{window}", window).Replace(q)
}

// Event is one event of the fixed set.
type Event struct {
	Minute, Second int // after Base
	Service        string
	Environment    string
	Severity       string // trace, debug, info, warn, error or fatal
	Method, Route  string
	Status         uint16 // 0: not an HTTP request
	DurationMs     float64
}

// Time is when the event happened.
func (e Event) Time() time.Time {
	return Base.Add(time.Duration(e.Minute)*time.Minute + time.Duration(e.Second)*time.Second)
}

// request is an HTTP request served in production, logged as an error when
// it failed with a 5xx; with status 0, a line logged inside its handler.
func request(minute, second int, service, method, route string, status uint16, ms float64) Event {
	sev := "info"
	if status >= 500 {
		sev = "error"
	}
	return Event{Minute: minute, Second: second, Service: service, Environment: "prod", Severity: sev,
		Method: method, Route: route, Status: status, DurationMs: ms}
}

// requests are requests to one route, one a second from second, with
// statuses[i] and durations[i].
func requests(minute, second int, service, method, route string, statuses []uint16, durations []float64) []Event {
	out := make([]Event, len(statuses))
	for i, status := range statuses {
		out[i] = request(minute, second+i, service, method, route, status, durations[i])
	}
	return out
}

func logLine(minute, second int, service, env, severity string) Event {
	return Event{Minute: minute, Second: second, Service: service, Environment: env, Severity: severity}
}

// The durations of the requests, per group of the HTTP views.
var (
	ordersMinute0 = []float64{12.5, 20, 7.25, 33, 41, 5.5, 100, 64}
	ordersMinute1 = []float64{15, 25, 80}
	searchMinute0 = []float64{3, 4.5, 6, 9.75, 1.25}
	createMinute1 = []float64{150, 250, 90}
)

// Inserts are the events in the inserts that write them, in order. Separate
// inserts, as the collector's batches: the views get several partial rows
// per key, merged by the queries (and later by OPTIMIZE).
func Inserts() [][]Event {
	const get, post = "GET", "POST"
	// Minute 0: checkout serves 8 requests (one 404, a 500 and a 503, both
	// logged as errors) and logs a warning, a fatal error and a line inside
	// a handler (route, no status: not a request); staging logs one error.
	// Search serves 5 requests. Minute 1: more of the same route, another
	// route, an error and a debug line. In two inserts: the first 10 events,
	// then the others.
	fixed := slices.Concat(
		requests(0, 1, "checkout", get, "/orders/{id}", []uint16{200, 200, 200, 404}, ordersMinute0[:4]),
		[]Event{logLine(0, 5, "checkout", "prod", "warn")},
		requests(0, 10, "search", get, "/search", []uint16{200, 200, 200, 200, 200}, searchMinute0),
		requests(0, 30, "checkout", get, "/orders/{id}", []uint16{200, 500, 503, 200}, ordersMinute0[4:]),
		[]Event{
			logLine(0, 40, "checkout", "prod", "fatal"),
			request(0, 20, "checkout", get, "/orders/{id}", 0, 0), // the line in a handler
			logLine(0, 50, "checkout", "staging", "error"),
		},
		requests(1, 1, "checkout", get, "/orders/{id}", []uint16{200, 200, 500}, ordersMinute1),
		requests(1, 4, "checkout", post, "/orders", []uint16{201, 201, 502}, createMinute1),
		[]Event{logLine(1, 7, "checkout", "prod", "error"), logLine(1, 8, "checkout", "prod", "debug")},
	)
	// Minute 2: 1,000 requests of distinct durations 0.5 .. 999.5 ms in a
	// shuffled order, in two inserts: enough for the t-digest to compress.
	var bulk []Event
	for _, i := range rand.New(rand.NewSource(1)).Perm(1000) {
		bulk = append(bulk, request(2, i%60, "bulk", get, "/bulk", 200, float64(i)+0.5))
	}
	return [][]Event{fixed[:10], fixed[10:], bulk[:500], bulk[500:]}
}

// bulkDurations are the durations of minute 2's 1,000 requests.
func bulkDurations() []float64 {
	out := make([]float64, 1000)
	for i := range out {
		out[i] = float64(i) + 0.5
	}
	return out
}

// ErrorRate is a row of ErrorRateQuery.
type ErrorRate struct {
	Minute         int // after Base
	Service        string
	Events, Errors uint64
}

// ErrorRates are what ErrorRateQuery returns, in its order.
var ErrorRates = []ErrorRate{
	{0, "checkout", 12, 4}, // 2 x 5xx, fatal, staging error; warn is not an error
	{0, "search", 5, 0},
	{1, "checkout", 8, 3},
	{2, "bulk", 1000, 0},
}

// HTTP is a row of HTTPMinuteQuery.
type HTTP struct {
	Minute              int // after Base
	Service, Route      string
	Requests, Errors5xx uint64
	// Durations are the group's requests' durations: avg_ms is their mean
	// and p50_p90_p99 their quantiles, within Tolerance (relative) of
	// Hazen's (18.16) or NearestRank's (26.7).
	Durations []float64
	Tolerance float64
}

// AvgMs is the mean duration of the group.
func (h HTTP) AvgMs() float64 {
	var sum float64
	for _, d := range h.Durations {
		sum += d
	}
	return sum / float64(len(h.Durations))
}

// HTTPPerMinute is what HTTPMinuteQuery returns, in its order. The quantiles
// of the small groups are exact; the 1,000 requests of minute 2, compressed
// by the t-digest, within 1 %.
func HTTPPerMinute() []HTTP {
	return []HTTP{
		{0, "checkout", "/orders/{id}", 8, 2, ordersMinute0, 1e-6},
		{0, "search", "/search", 5, 0, searchMinute0, 1e-6},
		{1, "checkout", "/orders", 3, 1, createMinute1, 1e-6},
		{1, "checkout", "/orders/{id}", 3, 1, ordersMinute1, 1e-6},
		{2, "bulk", "/bulk", 1000, 0, bulkDurations(), 0.01},
	}
}

// HourlyRequests is a row of HTTPHourQuery, without its quantiles.
type HourlyRequests struct {
	Service, Route string
	Requests       uint64
}

// Hourly is what HTTPHourQuery returns, in its order: every row is the hour
// of Base.
var Hourly = []HourlyRequests{
	{"bulk", "/bulk", 1000},
	{"checkout", "/orders", 3},
	{"checkout", "/orders/{id}", 11},
	{"search", "/search", 5},
}

// HourlyRoute is the route whose minutes merge into the hour in
// HTTPHourQuery: its t-digest states of minutes 0 and 1 combine into the
// quantiles of HourlyRouteDurations, all 11 requests.
const HourlyRoute = "/orders/{id}"

// HourlyRouteDurations are the durations of HourlyRoute's requests of the
// hour.
func HourlyRouteDurations() []float64 {
	return append(append([]float64(nil), ordersMinute0...), ordersMinute1...)
}

// ServiceErrorRate is a row of ErrorRateHourQuery: error_rate is
// Errors / Events.
type ServiceErrorRate struct {
	Service        string
	Errors, Events uint64
}

// ErrorRatesOfHour are what ErrorRateHourQuery returns, in its order.
var ErrorRatesOfHour = []ServiceErrorRate{
	{"bulk", 0, 1000},
	{"checkout", 7, 20},
	{"search", 0, 5},
}

// Levels are the quantiles the dashboard queries ask for: p50, p90, p99.
var Levels = [3]float64{0.5, 0.9, 0.99}

// Hazen is the quantile ClickHouse 18.16's t-digest returns while every
// value is its own centroid (distinct values, about 100 or fewer per group):
// value i (0-based) of n sorted values sits at rank i + 0.5, linear
// interpolation in between, the minimum and maximum outside.
func Hazen(values []float64, q float64) float64 {
	s := sorted(values)
	x := q * float64(len(s))
	if x <= 0.5 {
		return s[0]
	}
	if x >= float64(len(s))-0.5 {
		return s[len(s)-1]
	}
	i := int(math.Floor(x - 0.5))
	frac := x - 0.5 - float64(i)
	return s[i] + frac*(s[i+1]-s[i])
}

// NearestRank is what newer t-digests return while every value is its own
// centroid: a singleton centroid is a step, not a point to interpolate
// towards (ClickHouse#23314, from 21.5 and backported to 21.3, after
// tdunning/t-digest 3.2), so the answer is the ceil(q*n)-th smallest value.
func NearestRank(values []float64, q float64) float64 {
	s := sorted(values)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func sorted(values []float64) []float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	return s
}
