package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/viewfixture"
	"github.com/aires-dev/aires/internal/viewfixture/viewproto"
)

// TestDashboardViews sends viewfixture's known set of events through the
// collector and checks that the README's dashboard queries over the
// materialized views return exactly the expected counts, error rates and
// percentiles.
func TestDashboardViews(t *testing.T) {
	e := newEnv(t, nil)
	client := dialAires(t, e.col.AiresPort)
	base := viewfixture.Base

	var n, requests uint64
	for _, b := range viewproto.Batches() {
		events, reqs := viewproto.Count(b)
		n, requests = n+events, requests+reqs
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		require.NoError(t, err)
		require.Equal(t, uint64(len(b.Events)), resp.Accepted, "rejections: %v", resp.Rejections)
		// Separate inserts: the views get several partial rows per key,
		// merged by the queries (and later by OPTIMIZE).
		waitCount(t, e.db, n, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	}
	// Within one INSERT, the events part becomes visible a moment before
	// the views' parts: wait for the views too.
	waitCount(t, e.db, n, 10*time.Second, `SELECT sum(events) FROM aires_e2e.events_errors_1m`)
	require.Equal(t, uint64(1019), requests)
	waitCount(t, e.db, requests, 10*time.Second, `SELECT sum(requests) FROM aires_e2e.events_http_1m`)

	check := func(t *testing.T) { viewfixture.CheckDashboards(t, e.db, "aires_e2e") }

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
