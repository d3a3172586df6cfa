package viewfixture

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hazen3 are the p50, p90 and p99 ClickHouse 18.16's t-digest gives for values.
func hazen3(values []float64) [3]float64 {
	var out [3]float64
	for i, q := range Levels {
		out[i] = Hazen(values, q)
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

// CheckDashboards runs the README's dashboard queries over the views of
// database (its events table holding exactly the events of Inserts) and
// compares their answers with the expected numbers here: counts and error
// rates exactly, percentiles within each group's tolerance. test/e2e runs it
// on one server, test/cluster through the Distributed tables of a cluster.
func CheckDashboards(t *testing.T, db *sql.DB, database string) {
	t.Helper()
	query := func(q string) string { return Query(q, database) }
	minute := func(m int) time.Time { return Base.Add(time.Duration(m) * time.Minute) }
	base := Base
	// Error rate per service per minute.
	type errRow struct {
		minute         time.Time
		service        string
		events, errors uint64
		rate           float64
	}
	rows, err := db.Query(query(ErrorRateQuery))
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
	for _, w := range ErrorRates {
		wantErr = append(wantErr, errRow{minute(w.Minute), w.Service, w.Events, w.Errors, float64(w.Errors) / float64(w.Events)})
	}
	assert.Equal(t, wantErr, gotErr)

	// The same numbers as the raw table gives.
	var raw uint64
	require.NoError(t, db.QueryRow(`SELECT countIf(severity IN ('error', 'fatal')) FROM `+database+`.events
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
	rows, err = db.Query(query(HTTPMinuteQuery))
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
	want := HTTPPerMinute()
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
	rows, err = db.Query(query(HTTPHourQuery))
	require.NoError(t, err)
	var hourly []HourlyRequests
	for rows.Next() {
		var hour time.Time
		var r HourlyRequests
		var q []float32
		require.NoError(t, rows.Scan(&hour, &r.Service, &r.Route, &r.Requests, &q))
		assert.Equal(t, base, hour.UTC())
		if r.Route == HourlyRoute {
			assertQuantiles(t, hazen3(HourlyRouteDurations()), q, 1e-6, "hourly "+r.Route)
		}
		hourly = append(hourly, r)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Equal(t, Hourly, hourly)

	// Error rate of the hour.
	rows, err = db.Query(query(ErrorRateHourQuery))
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
	for _, w := range ErrorRatesOfHour {
		wantRates = append(wantRates, fmt.Sprintf("%s %.4f", w.Service, float64(w.Errors)/float64(w.Events)))
	}
	assert.Equal(t, wantRates, rates)
}
