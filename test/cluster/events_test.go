package cluster

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
)

// storedIDs reads every id of database's events table through the
// Distributed table, with how many rows each has.
func storedIDs(t *testing.T, db *sql.DB, database string) map[[16]byte]int {
	t.Helper()
	rows, err := db.Query("SELECT toString(id), count() FROM " + database + ".events GROUP BY id")
	require.NoError(t, err)
	defer rows.Close()
	out := map[[16]byte]int{}
	for rows.Next() {
		var s string
		var n uint64
		require.NoError(t, rows.Scan(&s, &n))
		id, err := uuid.Parse(s)
		require.NoError(t, err)
		out[id] = int(n)
	}
	require.NoError(t, rows.Err())
	return out
}

// checkOnce asserts that every acknowledged event of l is stored exactly once
// through the Distributed events table (after the replicas have synced), and
// that nothing else is there twice.
func checkOnce(t *testing.T, c *chtest.Cluster, db *sql.DB, database string, l *load) map[[16]byte]int {
	t.Helper()
	syncReplicas(t, c, database, "events_local")
	stored := storedIDs(t, db, database)
	missing := l.missing(stored)
	assert.Empty(t, missing, "acknowledged events not stored (%d of %d): %v", len(missing), l.ackedCount(), l)
	dups := 0
	for _, n := range stored {
		if n > 1 {
			dups++
		}
	}
	assert.Zero(t, dups, "events stored more than once")
	total := count(t, db, "SELECT count() FROM "+database+".events")
	assert.Equal(t, uint64(len(stored)), total, "rows through events = distinct ids")
	assertNoQueuedInserts(t, c, database)
	return stored
}

// assertNoQueuedInserts checks that no server holds rows queued for other
// shards by an asynchronous insert into the Distributed table: the
// Distributed table's directory keeps one subdirectory a destination for
// them, and the exporter's synchronous inserts never create one.
func assertNoQueuedInserts(t *testing.T, c *chtest.Cluster, database string) {
	t.Helper()
	for _, n := range c.Nodes {
		dir := filepath.Join(n.Dir, "data", "data", database, "events")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err, "the Distributed table's directory on shard %d replica %d", n.Shard, n.Replica)
		for _, e := range entries {
			assert.False(t, e.IsDir(), "shard %d replica %d queued rows for %s: an asynchronous insert", n.Shard, n.Replica, e.Name())
		}
	}
}

// shardCounts are the rows of events_local on each shard, read on replica 1.
func shardCounts(t *testing.T, c *chtest.Cluster, database string) map[int]uint64 {
	t.Helper()
	out := map[int]uint64{}
	for s := 1; s <= c.Shards(); s++ {
		out[s] = count(t, c.Node(s, 1).DB(t), "SELECT count() FROM "+database+".events_local")
	}
	return out
}

// TestTwoCollectorsEveryEventOnce: two collectors in cluster mode, entering
// the cluster through servers of different shards, both creating the schema
// at the same time; clients send to both. Every acknowledged event is
// counted exactly once through events, and both shards hold rows (the
// sharding key spreads them).
func TestTwoCollectorsEveryEventOnce(t *testing.T) {
	c := cluster(t)
	const database = "aires_two"
	cols := startCollectors(t,
		collectorSettings{Endpoint: endpointFrom(c, 0), Database: database, WaitForResult: true},
		collectorSettings{Endpoint: endpointFrom(c, 2), Database: database, WaitForResult: true})
	l := startLoad(t, 1, cols[0].AiresPort, cols[1].AiresPort)
	db := c.Node(1, 1).DB(t)
	deadline := time.Now().Add(time.Minute)
	for l.ackedCount() < 20000 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	l.finish()
	require.GreaterOrEqual(t, l.ackedCount(), 20000, "load: %v", l)
	checkOnce(t, c, db, database, l)
	shards := shardCounts(t, c, database)
	t.Logf("%v; rows per shard: %v", l, shards)
	for s, n := range shards {
		assert.NotZero(t, n, "shard %d holds no rows", s)
	}
	assert.Equal(t, count(t, db, "SELECT count() FROM "+database+".events"), shards[1]+shards[2])
}
