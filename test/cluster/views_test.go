package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/aires-dev/aires/internal/viewfixture"
	"github.com/aires-dev/aires/internal/viewfixture/viewproto"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// TestDashboardViews sends viewfixture's known events through a collector in
// cluster mode and runs the README's dashboard queries, unchanged, on the
// Distributed view tables: the same counts, error rates and percentiles as
// on one server (test/e2e), as inserted and after the merges.
func TestDashboardViews(t *testing.T) {
	c := cluster(t)
	const database = "aires_views"
	col := startCollector(t, collectorSettings{Endpoint: endpointFrom(c, 0), Database: database})
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", col.AiresPort), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	client := airesv1.NewIngestServiceClient(conn)
	db := c.Node(1, 1).DB(t)

	var n, requests uint64
	for _, b := range viewproto.Batches() {
		events, reqs := viewproto.Count(b)
		n, requests = n+events, requests+reqs
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := client.Ingest(ctx, b)
		cancel()
		require.NoError(t, err)
		require.Equal(t, uint64(len(b.Events)), resp.Accepted, "rejections: %v", resp.Rejections)
		// Separate inserts: the views get several partial rows per key,
		// on both shards, merged by the queries.
		waitCount(t, db, n, 30*time.Second, "SELECT count() FROM "+database+".events")
	}
	syncReplicas(t, c, database, "events_local", "events_errors_1m_local", "events_http_1m_local")
	waitCount(t, db, n, 30*time.Second, "SELECT sum(events) FROM "+database+".events_errors_1m")
	waitCount(t, db, requests, 30*time.Second, "SELECT sum(requests) FROM "+database+".events_http_1m")
	for s := 1; s <= c.Shards(); s++ {
		require.NotZero(t, count(t, c.Node(s, 1).DB(t), "SELECT count() FROM "+database+".events_http_1m_local"), "shard %d has no view rows", s)
	}

	t.Run("as inserted", func(t *testing.T) { viewfixture.CheckDashboards(t, db, database) })
	// After the merges have folded the partial rows on every shard (forced
	// here on one replica a shard; the merge is replicated), the answers
	// are the same.
	for s := 1; s <= c.Shards(); s++ {
		for _, table := range []string{"events_errors_1m_local", "events_http_1m_local"} {
			_, err := c.Node(s, 1).DB(t).Exec("OPTIMIZE TABLE " + database + "." + table + " FINAL")
			require.NoError(t, err)
		}
	}
	syncReplicas(t, c, database, "events_errors_1m_local", "events_http_1m_local")
	t.Run("after merges", func(t *testing.T) { viewfixture.CheckDashboards(t, db, database) })
}
