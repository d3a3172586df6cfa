package e2e

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// The dashboard queries of the README ("Dashboards"), with the README's
// "last hour" condition replaced by the test's fixed window ({window}).
//
// An alias must not reuse a column's name (sum(errors) AS errors would make a
// later sum(errors) a nested aggregate), hence the _count names.
const (
	errorRateQuery = `SELECT minute, service,
       sum(events) AS event_count, sum(errors) AS error_count,
       error_count / event_count AS error_rate
FROM aires_e2e.events_errors_1m
WHERE {window}
GROUP BY minute, service
ORDER BY minute, service`

	httpMinuteQuery = `SELECT minute, service, http_route,
       sum(requests) AS request_count, sum(errors_5xx) AS error_5xx_count,
       sum(duration_ms_sum) / request_count AS avg_ms,
       quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles) AS p50_p90_p99
FROM aires_e2e.events_http_1m
WHERE {window}
GROUP BY minute, service, http_route
ORDER BY minute, service, http_route`

	httpHourQuery = `SELECT toStartOfHour(minute) AS hour, service, http_route,
       sum(requests) AS request_count,
       quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles) AS p50_p90_p99
FROM aires_e2e.events_http_1m
WHERE {window}
GROUP BY hour, service, http_route
ORDER BY hour, service, http_route`

	errorRateHourQuery = `SELECT service, sum(errors) / sum(events) AS error_rate
FROM aires_e2e.events_errors_1m
WHERE {window}
GROUP BY service
ORDER BY service`
)

// viewEvent is one event of the known set.
type viewEvent struct {
	minute   int // minutes after the base time
	second   int
	service  string
	env      string
	severity airesv1.Severity
	method   string
	route    string
	status   uint32 // 0: not an HTTP request
	duration float64
}

func (v viewEvent) proto(base time.Time, n int) *airesv1.Event {
	ev := &airesv1.Event{
		Id:                []byte{0x01, 0x9a, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)},
		TimestampUnixNano: uint64(base.Add(time.Duration(v.minute)*time.Minute + time.Duration(v.second)*time.Second).UnixNano()),
		Severity:          v.severity,
		Message:           fmt.Sprintf("event %d", n),
		Service:           v.service,
		Environment:       v.env,
	}
	if v.route != "" || v.status != 0 {
		ev.Http = &airesv1.HttpInfo{Method: v.method, Route: v.route, StatusCode: v.status, DurationMs: v.duration}
	}
	return ev
}

func req(minute, second int, service, method, route string, status uint32, ms float64) viewEvent {
	sev := airesv1.Severity_SEVERITY_INFO
	if status >= 500 {
		sev = airesv1.Severity_SEVERITY_ERROR
	}
	return viewEvent{minute: minute, second: second, service: service, env: "prod", severity: sev,
		method: method, route: route, status: status, duration: ms}
}

func logLine(minute, second int, service, env string, sev airesv1.Severity) viewEvent {
	return viewEvent{minute: minute, second: second, service: service, env: env, severity: sev}
}

// hazen is the quantile ClickHouse's t-digest returns while every value is
// its own centroid (distinct values, about 100 or fewer per group): value i
// (0-based) of n sorted values sits at rank i + 0.5, linear interpolation
// in between, the minimum and maximum outside.
func hazen(values []float64, q float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
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

func hazen3(values []float64) [3]float64 {
	return [3]float64{hazen(values, 0.5), hazen(values, 0.9), hazen(values, 0.99)}
}

// assertQuantiles compares p50/p90/p99 with a relative tolerance.
func assertQuantiles(t *testing.T, want [3]float64, got []float32, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, 3, msg)
	for i := range want {
		assert.InEpsilon(t, want[i], float64(got[i]), tol, "%s: quantile %d: want %v, got %v", msg, i, want, got)
	}
}

func withWindow(q string, from, to time.Time) string {
	return strings.ReplaceAll(q, "{window}",
		fmt.Sprintf("minute >= toDateTime(%d) AND minute < toDateTime(%d)", from.Unix(), to.Unix()))
}

// TestDashboardViews sends a known set of events through the collector and
// checks that the README's dashboard queries over the materialized views
// return exactly the expected counts, error rates and percentiles.
func TestDashboardViews(t *testing.T) {
	e := newEnv(t, nil)
	client := dialAires(t, e.col.AiresPort)
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

	const get, post = "GET", "POST"
	info, warn, errSev, fatal, debug := airesv1.Severity_SEVERITY_INFO, airesv1.Severity_SEVERITY_WARN,
		airesv1.Severity_SEVERITY_ERROR, airesv1.Severity_SEVERITY_FATAL, airesv1.Severity_SEVERITY_DEBUG

	// Minute 0: checkout serves 8 requests (one 404, a 500 and a 503, both
	// logged as errors) and logs a warning, a fatal error and a line inside
	// a handler (route, no status: not a request); staging logs one error.
	// Search serves 5 requests.
	batchA := []viewEvent{
		req(0, 1, "checkout", get, "/orders/{id}", 200, 12.5),
		req(0, 2, "checkout", get, "/orders/{id}", 200, 20),
		req(0, 3, "checkout", get, "/orders/{id}", 200, 7.25),
		req(0, 4, "checkout", get, "/orders/{id}", 404, 33),
		logLine(0, 5, "checkout", "prod", warn),
		req(0, 10, "search", get, "/search", 200, 3),
		req(0, 11, "search", get, "/search", 200, 4.5),
		req(0, 12, "search", get, "/search", 200, 6),
		req(0, 13, "search", get, "/search", 200, 9.75),
		req(0, 14, "search", get, "/search", 200, 1.25),
	}
	inHandler := logLine(0, 20, "checkout", "prod", info)
	inHandler.method, inHandler.route = get, "/orders/{id}"
	batchB := []viewEvent{
		req(0, 30, "checkout", get, "/orders/{id}", 200, 41),
		req(0, 31, "checkout", get, "/orders/{id}", 500, 5.5),
		req(0, 32, "checkout", get, "/orders/{id}", 503, 100),
		req(0, 33, "checkout", get, "/orders/{id}", 200, 64),
		logLine(0, 40, "checkout", "prod", fatal),
		inHandler,
		logLine(0, 50, "checkout", "staging", errSev),
		// Minute 1: more of the same route, another route, an error and
		// a debug line.
		req(1, 1, "checkout", get, "/orders/{id}", 200, 15),
		req(1, 2, "checkout", get, "/orders/{id}", 200, 25),
		req(1, 3, "checkout", get, "/orders/{id}", 500, 80),
		req(1, 4, "checkout", post, "/orders", 201, 150),
		req(1, 5, "checkout", post, "/orders", 201, 250),
		req(1, 6, "checkout", post, "/orders", 502, 90),
		logLine(1, 7, "checkout", "prod", errSev),
		logLine(1, 8, "checkout", "prod", debug),
	}
	// Minute 2: 1,000 requests of distinct durations 0.5 .. 999.5 ms in a
	// shuffled order, in two inserts: enough for the t-digest to compress.
	var bulk []viewEvent
	var bulkDurations []float64
	for _, i := range rand.New(rand.NewSource(1)).Perm(1000) {
		d := float64(i) + 0.5
		bulk = append(bulk, req(2, i%60, "bulk", get, "/bulk", 200, d))
		bulkDurations = append(bulkDurations, d)
	}

	n := 0
	send := func(evs []viewEvent) {
		t.Helper()
		b := &airesv1.EventBatch{Resource: &airesv1.Resource{Service: "unused"}}
		for _, v := range evs {
			n++
			b.Events = append(b.Events, v.proto(base, n))
		}
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		require.NoError(t, err)
		require.Equal(t, uint64(len(evs)), resp.Accepted, "rejections: %v", resp.Rejections)
		// Separate inserts: the views get several partial rows per key,
		// merged by the queries (and later by OPTIMIZE).
		waitCount(t, e.db, uint64(n), 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	}
	send(batchA)
	send(batchB)
	send(bulk[:500])
	send(bulk[500:])
	// Within one INSERT, the events part becomes visible a moment before
	// the views' parts: wait for the views too.
	waitCount(t, e.db, uint64(n), 10*time.Second, `SELECT sum(events) FROM aires_e2e.events_errors_1m`)
	waitCount(t, e.db, 1019, 10*time.Second, `SELECT sum(requests) FROM aires_e2e.events_http_1m`)

	m0, m1, m2 := base, base.Add(time.Minute), base.Add(2*time.Minute)
	from, to := base, base.Add(time.Hour)

	check := func(t *testing.T) {
		// Error rate per service per minute.
		type errRow struct {
			minute         time.Time
			service        string
			events, errors uint64
			rate           float64
		}
		rows, err := e.db.Query(withWindow(errorRateQuery, from, to))
		require.NoError(t, err)
		var gotErr []errRow
		for rows.Next() {
			var r errRow
			require.NoError(t, rows.Scan(&r.minute, &r.service, &r.events, &r.errors, &r.rate))
			r.minute = r.minute.UTC()
			gotErr = append(gotErr, r)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, []errRow{
			{m0, "checkout", 12, 4, 4.0 / 12}, // 2 x 5xx, fatal, staging error; warn is not an error
			{m0, "search", 5, 0, 0},
			{m1, "checkout", 8, 3, 3.0 / 8},
			{m2, "bulk", 1000, 0, 0},
		}, gotErr)

		// The same numbers as the raw table gives.
		var raw uint64
		require.NoError(t, e.db.QueryRow(`SELECT countIf(severity IN ('error', 'fatal')) FROM aires_e2e.events
			WHERE service = 'checkout' AND toStartOfMinute(timestamp) = toDateTime(?)`, m0.Unix()).Scan(&raw))
		assert.Equal(t, uint64(4), raw)

		// HTTP per service, route and minute.
		type httpRow struct {
			minute           time.Time
			service, route   string
			requests, err5xx uint64
			avg              float64
			q                []float32
		}
		rows, err = e.db.Query(withWindow(httpMinuteQuery, from, to))
		require.NoError(t, err)
		var gotHTTP []httpRow
		for rows.Next() {
			var r httpRow
			require.NoError(t, rows.Scan(&r.minute, &r.service, &r.route, &r.requests, &r.err5xx, &r.avg, &r.q))
			r.minute = r.minute.UTC()
			gotHTTP = append(gotHTTP, r)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		ordersM0 := []float64{12.5, 20, 7.25, 33, 41, 5.5, 100, 64}
		ordersM1 := []float64{15, 25, 80}
		search := []float64{3, 4.5, 6, 9.75, 1.25}
		create := []float64{150, 250, 90}
		want := []struct {
			minute           time.Time
			service, route   string
			requests, err5xx uint64
			durations        []float64
			tol              float64
		}{
			{m0, "checkout", "/orders/{id}", 8, 2, ordersM0, 1e-6},
			{m0, "search", "/search", 5, 0, search, 1e-6},
			{m1, "checkout", "/orders", 3, 1, create, 1e-6},
			{m1, "checkout", "/orders/{id}", 3, 1, ordersM1, 1e-6},
			{m2, "bulk", "/bulk", 1000, 0, bulkDurations, 0.01},
		}
		require.Len(t, gotHTTP, len(want), "%+v", gotHTTP)
		for i, w := range want {
			g := gotHTTP[i]
			msg := fmt.Sprintf("%s %s %s", w.minute.Format("15:04"), w.service, w.route)
			assert.Equal(t, w.minute, g.minute, msg)
			assert.Equal(t, w.service, g.service, msg)
			assert.Equal(t, w.route, g.route, msg)
			assert.Equal(t, w.requests, g.requests, msg)
			assert.Equal(t, w.err5xx, g.err5xx, msg)
			var sum float64
			for _, d := range w.durations {
				sum += d
			}
			assert.InDelta(t, sum/float64(len(w.durations)), g.avg, 1e-9, msg)
			assertQuantiles(t, hazen3(w.durations), g.q, w.tol, msg)
		}

		// Minutes merge into hours: the t-digest states of both minutes of
		// /orders/{id} combine into the quantiles of all 11 requests.
		rows, err = e.db.Query(withWindow(httpHourQuery, from, to))
		require.NoError(t, err)
		var hourly []string
		for rows.Next() {
			var hour time.Time
			var service, route string
			var requests uint64
			var q []float32
			require.NoError(t, rows.Scan(&hour, &service, &route, &requests, &q))
			assert.Equal(t, base, hour.UTC())
			if route == "/orders/{id}" {
				assertQuantiles(t, hazen3(append(append([]float64(nil), ordersM0...), ordersM1...)), q, 1e-6, "hourly /orders/{id}")
			}
			hourly = append(hourly, fmt.Sprintf("%s %s %d", service, route, requests))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, []string{"bulk /bulk 1000", "checkout /orders 3", "checkout /orders/{id} 11", "search /search 5"}, hourly)

		// Error rate of the hour.
		rows, err = e.db.Query(withWindow(errorRateHourQuery, from, to))
		require.NoError(t, err)
		var rates []string
		for rows.Next() {
			var service string
			var rate float64
			require.NoError(t, rows.Scan(&service, &rate))
			rates = append(rates, fmt.Sprintf("%s %.4f", service, rate))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, []string{"bulk 0.0000", "checkout 0.3500", "search 0.0000"}, rates) // checkout: 7 of 20
	}

	t.Run("as inserted", check)
	// After the background merges have folded the partial rows (forced
	// here), the answers are the same.
	for _, table := range []string{"events_errors_1m", "events_http_1m"} {
		_, err := e.db.Exec("OPTIMIZE TABLE aires_e2e." + table + " FINAL")
		require.NoError(t, err)
	}
	var parts uint64
	require.NoError(t, e.db.QueryRow(`SELECT count() FROM aires_e2e.events_http_1m
		WHERE http_route = '/orders/{id}' AND minute = toDateTime(?)`, m0.Unix()).Scan(&parts))
	assert.Equal(t, uint64(1), parts, "one row per key after the merge")
	t.Run("after merges", check)
	e.col.alive(t)
}
