package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/viewfixture"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

var severities = map[string]airesv1.Severity{
	"trace": airesv1.Severity_SEVERITY_TRACE,
	"debug": airesv1.Severity_SEVERITY_DEBUG,
	"info":  airesv1.Severity_SEVERITY_INFO,
	"warn":  airesv1.Severity_SEVERITY_WARN,
	"error": airesv1.Severity_SEVERITY_ERROR,
	"fatal": airesv1.Severity_SEVERITY_FATAL,
}

// viewEvent is event n of viewfixture's set as the SDK sends it.
func viewEvent(t *testing.T, v viewfixture.Event, n int) *airesv1.Event {
	sev, ok := severities[v.Severity]
	require.True(t, ok, "severity %q", v.Severity)
	ev := &airesv1.Event{
		Id:                []byte{0x01, 0x9a, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)},
		TimestampUnixNano: uint64(v.Time().UnixNano()),
		Severity:          sev,
		Message:           fmt.Sprintf("event %d", n),
		Service:           v.Service,
		Environment:       v.Environment,
	}
	if v.Route != "" || v.Status != 0 {
		ev.Http = &airesv1.HttpInfo{Method: v.Method, Route: v.Route, StatusCode: uint32(v.Status), DurationMs: v.DurationMs}
	}
	return ev
}

// hazen3 are the p50, p90 and p99 ClickHouse 18.16's t-digest gives for values.
func hazen3(values []float64) [3]float64 {
	var out [3]float64
	for i, q := range viewfixture.Levels {
		out[i] = viewfixture.Hazen(values, q)
	}
	return out
}

// assertQuantiles compares p50/p90/p99 with a relative tolerance.
func assertQuantiles(t *testing.T, want [3]float64, got []float32, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, 3, msg)
	for i := range want {
		assert.InEpsilon(t, want[i], float64(got[i]), tol, "%s: quantile %d: want %v, got %v", msg, i, want, got)
	}
}

// TestDashboardViews sends viewfixture's known set of events through the
// collector and checks that the README's dashboard queries over the
// materialized views return exactly the expected counts, error rates and
// percentiles.
func TestDashboardViews(t *testing.T) {
	e := newEnv(t, nil)
	client := dialAires(t, e.col.AiresPort)
	base := viewfixture.Base
	query := func(q string) string { return viewfixture.Query(q, "aires_e2e") }

	n := 0
	var requests uint64
	for _, evs := range viewfixture.Inserts() {
		b := &airesv1.EventBatch{Resource: &airesv1.Resource{Service: "unused"}}
		for _, v := range evs {
			n++
			b.Events = append(b.Events, viewEvent(t, v, n))
			if v.Status != 0 {
				requests++
			}
		}
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		require.NoError(t, err)
		require.Equal(t, uint64(len(evs)), resp.Accepted, "rejections: %v", resp.Rejections)
		// Separate inserts: the views get several partial rows per key,
		// merged by the queries (and later by OPTIMIZE).
		waitCount(t, e.db, uint64(n), 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	}
	// Within one INSERT, the events part becomes visible a moment before
	// the views' parts: wait for the views too.
	waitCount(t, e.db, uint64(n), 10*time.Second, `SELECT sum(events) FROM aires_e2e.events_errors_1m`)
	require.Equal(t, uint64(1019), requests)
	waitCount(t, e.db, requests, 10*time.Second, `SELECT sum(requests) FROM aires_e2e.events_http_1m`)

	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }

	check := func(t *testing.T) {
		// Error rate per service per minute.
		type errRow struct {
			minute         time.Time
			service        string
			events, errors uint64
			rate           float64
		}
		rows, err := e.db.Query(query(viewfixture.ErrorRateQuery))
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
		var wantErr []errRow
		for _, w := range viewfixture.ErrorRates {
			wantErr = append(wantErr, errRow{minute(w.Minute), w.Service, w.Events, w.Errors, float64(w.Errors) / float64(w.Events)})
		}
		assert.Equal(t, wantErr, gotErr)

		// The same numbers as the raw table gives.
		var raw uint64
		require.NoError(t, e.db.QueryRow(`SELECT countIf(severity IN ('error', 'fatal')) FROM aires_e2e.events
			WHERE service = ? AND toStartOfMinute(timestamp) = toDateTime(?)`, wantErr[0].service, wantErr[0].minute.Unix()).Scan(&raw))
		assert.Equal(t, wantErr[0].errors, raw)

		// HTTP per service, route and minute.
		type httpRow struct {
			minute           time.Time
			service, route   string
			requests, err5xx uint64
			avg              float64
			q                []float32
		}
		rows, err = e.db.Query(query(viewfixture.HTTPMinuteQuery))
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
		want := viewfixture.HTTPPerMinute()
		require.Len(t, gotHTTP, len(want), "%+v", gotHTTP)
		for i, w := range want {
			g := gotHTTP[i]
			msg := fmt.Sprintf("%s %s %s", minute(w.Minute).Format("15:04"), w.Service, w.Route)
			assert.Equal(t, minute(w.Minute), g.minute, msg)
			assert.Equal(t, w.Service, g.service, msg)
			assert.Equal(t, w.Route, g.route, msg)
			assert.Equal(t, w.Requests, g.requests, msg)
			assert.Equal(t, w.Errors5xx, g.err5xx, msg)
			assert.InDelta(t, w.AvgMs(), g.avg, 1e-9, msg)
			assertQuantiles(t, hazen3(w.Durations), g.q, w.Tolerance, msg)
		}

		// Minutes merge into hours: the t-digest states of both minutes of
		// the hourly route combine into the quantiles of all its requests.
		rows, err = e.db.Query(query(viewfixture.HTTPHourQuery))
		require.NoError(t, err)
		var hourly []viewfixture.HourlyRequests
		for rows.Next() {
			var hour time.Time
			var r viewfixture.HourlyRequests
			var q []float32
			require.NoError(t, rows.Scan(&hour, &r.Service, &r.Route, &r.Requests, &q))
			assert.Equal(t, base, hour.UTC())
			if r.Route == viewfixture.HourlyRoute {
				assertQuantiles(t, hazen3(viewfixture.HourlyRouteDurations()), q, 1e-6, "hourly "+r.Route)
			}
			hourly = append(hourly, r)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, viewfixture.Hourly, hourly)

		// Error rate of the hour.
		rows, err = e.db.Query(query(viewfixture.ErrorRateHourQuery))
		require.NoError(t, err)
		var rates, wantRates []string
		for rows.Next() {
			var service string
			var rate float64
			require.NoError(t, rows.Scan(&service, &rate))
			rates = append(rates, fmt.Sprintf("%s %.4f", service, rate))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		for _, w := range viewfixture.ErrorRatesOfHour {
			wantRates = append(wantRates, fmt.Sprintf("%s %.4f", w.Service, float64(w.Errors)/float64(w.Events)))
		}
		assert.Equal(t, wantRates, rates)
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
		WHERE http_route = '/orders/{id}' AND minute = toDateTime(?)`, base.Unix()).Scan(&parts))
	assert.Equal(t, uint64(1), parts, "one row per key after the merge")
	t.Run("after merges", check)
	e.col.alive(t)
}
