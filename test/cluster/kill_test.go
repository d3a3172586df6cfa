package cluster

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
)

// waitAcked waits until l has n more acknowledged events than now (at most
// a minute).
func waitAcked(t *testing.T, l *load, n int) {
	t.Helper()
	want := l.ackedCount() + n
	deadline := time.Now().Add(time.Minute)
	for l.ackedCount() < want {
		if time.Now().After(deadline) {
			t.Fatalf("load stalled: %v", l)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicaKilledUnderLoad: a collector answering after the insert
// (wait_for_result) enters the cluster through shard 1; replica 1 of shard
// 2 is killed with SIGKILL while events flow, then started again. The
// inserts of shard 2's rows go to its other replica meanwhile: no
// acknowledged event is lost, none is stored twice (a batch retried after
// the kill is byte-identical and dropped by the replicated table), and the
// restarted replica catches up with its peer.
func TestReplicaKilledUnderLoad(t *testing.T) {
	c := cluster(t)
	const database = "aires_kill"
	col := startCollector(t, collectorSettings{Endpoint: endpointFrom(c, 0), Database: database, WaitForResult: true})
	l := startLoad(t, 2, col.AiresPort)
	victim := c.Node(2, 1)
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = victim.Restart()
		}
	})

	waitAcked(t, l, 5000)
	require.NoError(t, victim.Kill())
	t.Logf("killed shard 2 replica 1 after %d acknowledged events", l.ackedCount())
	waitAcked(t, l, 10000)
	require.NoError(t, victim.Restart())
	restarted = true
	t.Logf("restarted it after %d acknowledged events", l.ackedCount())
	waitAcked(t, l, 5000)
	l.finish()
	t.Logf("load: %v", l)

	db := c.Node(1, 1).DB(t)
	checkOnce(t, c, db, database, l)
	// The restarted replica has what its peer has (SYSTEM SYNC REPLICA in
	// checkOnce waited for it to fetch the parts it missed).
	peer := c.Node(2, 2)
	want := count(t, peer.DB(t), "SELECT count() FROM "+database+".events_local")
	assert.Equal(t, want, count(t, victim.DB(t), "SELECT count() FROM "+database+".events_local"), "restarted replica vs its peer")
	assert.NotZero(t, want)
	// And the views' tables too.
	syncReplicas(t, c, database, "events_errors_1m_local")
	assert.Equal(t, count(t, db, "SELECT count() FROM "+database+".events"),
		count(t, db, "SELECT sum(events) FROM "+database+".events_errors_1m"), "events counted by the errors view")
	assertSameOnReplicas(t, c, database)
}

// assertSameOnReplicas checks that both replicas of every shard hold the
// same rows.
func assertSameOnReplicas(t *testing.T, c *chtest.Cluster, database string) {
	t.Helper()
	for s := 1; s <= c.Shards(); s++ {
		q := "SELECT count() FROM " + database + ".events_local"
		assert.Equal(t, count(t, c.Node(s, 1).DB(t), q), count(t, c.Node(s, 2).DB(t), q), "shard %d: replicas differ", s)
	}
}
