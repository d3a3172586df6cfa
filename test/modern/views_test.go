package modern

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fixed events of test/e2e's TestDashboardViews, as rows inserted with
// SQL into 26.7's events table (the e2e test sends them through the
// collector to 18.16), and the numbers that test expects from the views.

func viewReq(base time.Time, minute, second int, service, method, route string, status uint16, ms float64) event {
	sev := "info"
	if status >= 500 {
		sev = "error"
	}
	return event{ts: base.Add(time.Duration(minute)*time.Minute + time.Duration(second)*time.Second), service: service,
		severity: sev, method: method, route: route, status: status, durationMs: ms}
}

func viewLog(base time.Time, minute, second int, service, env, severity string) event {
	return event{ts: base.Add(time.Duration(minute)*time.Minute + time.Duration(second)*time.Second), service: service, env: env, severity: severity}
}

// hazen is the quantile ClickHouse 18.16's t-digest returns while every
// value is its own centroid (see test/e2e's views_test.go): value i of n
// sorted values sits at rank i + 0.5, linear interpolation in between.
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
	return s[i] + (x-0.5-float64(i))*(s[i+1]-s[i])
}

// nearestRank is what newer t-digests return while every value is its own
// centroid: a singleton centroid is a step, not a point to interpolate
// towards (ClickHouse#23314, from 21.5 and backported to 21.3, after
// tdunning/t-digest 3.2), so the answer is the ceil(q*n)-th smallest value.
func nearestRank(values []float64, q float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

// quantiles parses an Array(Float32) of TabSeparated output.
func quantiles(tb testing.TB, s string) []float64 {
	tb.Helper()
	var out []float64
	for _, f := range strings.Split(strings.Trim(s, "[]"), ",") {
		v, err := strconv.ParseFloat(f, 32)
		if err != nil {
			tb.Fatalf("quantiles %q: %v", s, err)
		}
		out = append(out, v)
	}
	return out
}

// assertQuantiles compares p50/p90/p99 with quantile(values) within a
// relative tolerance.
func assertQuantiles(t *testing.T, quantile func([]float64, float64) float64, values []float64, got string, tol float64, msg string) {
	t.Helper()
	q := quantiles(t, got)
	for i, level := range []float64{0.5, 0.9, 0.99} {
		want := quantile(values, level)
		if i >= len(q) || math.Abs(q[i]-want) > tol*math.Abs(want) {
			t.Errorf("%s: quantiles %s, want %v at %v (relative tolerance %v)", msg, got, want, level, tol)
		}
	}
}

func TestDashboardViews(t *testing.T) {
	e := engine(t)
	s := createSchema(t, e, "views", engineVersion(t, e))
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	req := func(m, sec int, svc, method, route string, status uint16, ms float64) event {
		return viewReq(base, m, sec, svc, method, route, status, ms)
	}
	line := func(m, sec int, svc, env, sev string) event { return viewLog(base, m, sec, svc, env, sev) }

	const get, post = "GET", "POST"
	batchA := []event{
		req(0, 1, "checkout", get, "/orders/{id}", 200, 12.5),
		req(0, 2, "checkout", get, "/orders/{id}", 200, 20),
		req(0, 3, "checkout", get, "/orders/{id}", 200, 7.25),
		req(0, 4, "checkout", get, "/orders/{id}", 404, 33),
		line(0, 5, "checkout", "prod", "warn"),
		req(0, 10, "search", get, "/search", 200, 3),
		req(0, 11, "search", get, "/search", 200, 4.5),
		req(0, 12, "search", get, "/search", 200, 6),
		req(0, 13, "search", get, "/search", 200, 9.75),
		req(0, 14, "search", get, "/search", 200, 1.25),
	}
	inHandler := line(0, 20, "checkout", "prod", "info")
	inHandler.method, inHandler.route = get, "/orders/{id}"
	batchB := []event{
		req(0, 30, "checkout", get, "/orders/{id}", 200, 41),
		req(0, 31, "checkout", get, "/orders/{id}", 500, 5.5),
		req(0, 32, "checkout", get, "/orders/{id}", 503, 100),
		req(0, 33, "checkout", get, "/orders/{id}", 200, 64),
		line(0, 40, "checkout", "prod", "fatal"),
		inHandler,
		line(0, 50, "checkout", "staging", "error"),
		req(1, 1, "checkout", get, "/orders/{id}", 200, 15),
		req(1, 2, "checkout", get, "/orders/{id}", 200, 25),
		req(1, 3, "checkout", get, "/orders/{id}", 500, 80),
		req(1, 4, "checkout", post, "/orders", 201, 150),
		req(1, 5, "checkout", post, "/orders", 201, 250),
		req(1, 6, "checkout", post, "/orders", 502, 90),
		line(1, 7, "checkout", "prod", "error"),
		line(1, 8, "checkout", "prod", "debug"),
	}
	var bulk []event
	var bulkDurations []float64
	for _, i := range rand.New(rand.NewSource(1)).Perm(1000) {
		d := float64(i) + 0.5
		bulk = append(bulk, req(2, i%60, "bulk", get, "/bulk", 200, d))
		bulkDurations = append(bulkDurations, d)
	}
	// Separate inserts, as the collector's batches: the views get several
	// partial rows per key, merged by the queries (and later by OPTIMIZE).
	n := 1
	for _, batch := range [][]event{batchA, batchB, bulk[:500], bulk[500:]} {
		insertEvents(t, e, s.Table, n, batch)
		n += len(batch)
	}

	window := fmt.Sprintf("minute >= toDateTime(%d) AND minute < toDateTime(%d)", base.Unix(), base.Add(time.Hour).Unix())
	query := func(q string) [][]string {
		return rows(t, e, strings.NewReplacer("{db}", s.Table.Database, "{window}", window).Replace(q))
	}
	m0, m1, m2 := base.Format(time.DateTime), base.Add(time.Minute).Format(time.DateTime), base.Add(2*time.Minute).Format(time.DateTime)
	ordersM0 := []float64{12.5, 20, 7.25, 33, 41, 5.5, 100, 64}
	ordersM1 := []float64{15, 25, 80}

	check := func(t *testing.T) {
		got := query(`SELECT toString(minute, 'UTC'), service, sum(events) AS event_count, sum(errors) AS error_count,
			round(error_count / event_count, 6) FROM {db}.events_errors_1m WHERE {window}
			GROUP BY minute, service ORDER BY minute, service`)
		want := [][]string{
			{m0, "checkout", "12", "4", "0.333333"}, // 2 x 5xx, fatal, staging error; warn is not an error
			{m0, "search", "5", "0", "0"},
			{m1, "checkout", "8", "3", "0.375"},
			{m2, "bulk", "1000", "0", "0"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("error rate per minute:\n got %v\nwant %v", got, want)
		}

		got = query(`SELECT toString(minute, 'UTC'), service, http_route, sum(requests) AS request_count,
			sum(errors_5xx), sum(duration_ms_sum) / request_count,
			quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles)
			FROM {db}.events_http_1m WHERE {window}
			GROUP BY minute, service, http_route ORDER BY minute, service, http_route`)
		// The counts, error rates and averages are those of 18.16. The
		// percentiles of small groups are not: 18.16 interpolates (Hazen),
		// 26.7 returns the nearest-rank value (exact either way, different
		// definitions: p50 of /orders/{id} in minute 0 is 26.5 on 18.16, 20
		// here). Large groups agree within 1 %.
		wantHTTP := []struct {
			key       string
			durations []float64
			quantile  func([]float64, float64) float64
			tol       float64
		}{
			{m0 + " checkout /orders/{id} 8 2", ordersM0, nearestRank, 1e-6},
			{m0 + " search /search 5 0", []float64{3, 4.5, 6, 9.75, 1.25}, nearestRank, 1e-6},
			{m1 + " checkout /orders 3 1", []float64{150, 250, 90}, nearestRank, 1e-6},
			{m1 + " checkout /orders/{id} 3 1", ordersM1, nearestRank, 1e-6},
			{m2 + " bulk /bulk 1000 0", bulkDurations, hazen, 0.01},
			{m2 + " bulk /bulk 1000 0", bulkDurations, nearestRank, 0.01},
		}
		if len(got) != 5 {
			t.Fatalf("HTTP per minute: %d rows, want 5: %v", len(got), got)
		}
		for i, w := range wantHTTP {
			g := got[min(i, 4)]
			if key := strings.Join(g[:5], " "); key != w.key {
				t.Errorf("HTTP row %d: %s, want %s", i, key, w.key)
			}
			var sum float64
			for _, d := range w.durations {
				sum += d
			}
			if avg, _ := strconv.ParseFloat(g[5], 64); math.Abs(avg-sum/float64(len(w.durations))) > 1e-9 {
				t.Errorf("%s: average %s, want %v", w.key, g[5], sum/float64(len(w.durations)))
			}
			assertQuantiles(t, w.quantile, w.durations, g[6], w.tol, w.key)
		}

		got = query(`SELECT toString(toStartOfHour(minute), 'UTC') AS hour, service, http_route, sum(requests),
			quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles)
			FROM {db}.events_http_1m WHERE {window} GROUP BY hour, service, http_route ORDER BY hour, service, http_route`)
		var hourly []string
		for _, g := range got {
			if g[0] != m0 {
				t.Errorf("hour %s, want %s", g[0], m0)
			}
			if g[2] == "/orders/{id}" {
				assertQuantiles(t, nearestRank, append(append([]float64(nil), ordersM0...), ordersM1...), g[4], 1e-6, "hourly /orders/{id}")
			}
			hourly = append(hourly, strings.Join(g[1:4], " "))
		}
		if want := "[bulk /bulk 1000 checkout /orders 3 checkout /orders/{id} 11 search /search 5]"; fmt.Sprint(hourly) != want {
			t.Errorf("hourly: %v, want %s", hourly, want)
		}

		got = query(`SELECT service, toString(round(sum(errors) / sum(events), 4)) FROM {db}.events_errors_1m WHERE {window}
			GROUP BY service ORDER BY service`)
		if want := "[[bulk 0] [checkout 0.35] [search 0]]"; fmt.Sprint(got) != want { // checkout: 7 of 20
			t.Errorf("error rate of the hour: %v, want %s", got, want)
		}
	}
	t.Run("as inserted", check)
	mustExec(t, e, "OPTIMIZE TABLE views.events_errors_1m FINAL", "OPTIMIZE TABLE views.events_http_1m FINAL")
	if got := scalar(t, e, fmt.Sprintf(`SELECT count() FROM views.events_http_1m WHERE http_route = '/orders/{id}' AND minute = toDateTime(%d)`, base.Unix())); got != "1" {
		t.Errorf("rows per key after the merge: %s, want 1", got)
	}
	t.Run("after merges", check)
}
