package cluster

import (
	"strings"
	"testing"
	"time"

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
// (wait_for_result), entering the cluster through shard 1 replica 1, sends
// events while one server is killed with SIGKILL and later started again:
//
//   - replica 1 of shard 2: the inserts' shard-2 rows go to its other replica
//     meanwhile;
//   - replica 1 of shard 1, the server the collector is connected to: the
//     exporter moves to the next address of its endpoint, and the insert
//     that was in flight is in doubt and sent again.
//
// Either way no acknowledged event is lost, none is stored twice (a batch
// sent again is byte-identical: every shard drops the blocks it has), and
// the restarted replica catches up with its peer.
func TestReplicaKilledUnderLoad(t *testing.T) {
	c := cluster(t)
	for _, tt := range []struct {
		name           string
		shard, replica int
	}{
		{"other_shard", 2, 1},
		{"entry_server", 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			database := "aires_kill_" + tt.name
			col := startCollector(t, collectorSettings{Endpoint: endpointFrom(c, 0), Database: database, WaitForResult: true})
			l := startLoad(t, 2, col.AiresPort)
			victim := c.Node(tt.shard, tt.replica)
			restarted := false
			t.Cleanup(func() {
				if !restarted {
					_ = victim.Restart()
				}
			})

			// While the victim runs an insert, so that the kill catches one
			// in flight. (Once: after it, the collector's connections and
			// the entry server's choice of replica move to the victim's
			// peer and stay there.)
			waitAcked(t, l, 4000)
			killDuringInsert(t, victim.Server, database)
			t.Logf("killed shard %d replica %d after %d acknowledged events", tt.shard, tt.replica, l.ackedCount())
			waitAcked(t, l, 6000)
			require.NoError(t, victim.Restart())
			restarted = true
			t.Logf("restarted it after %d acknowledged events", l.ackedCount())
			waitAcked(t, l, 4000)
			l.finish()
			t.Logf("load: %v; the exporter logged %d inserts in doubt and %d failed inserts retried", l,
				strings.Count(col.output.String(), "they may be stored"), strings.Count(col.output.String(), "Exporting failed. Will retry"))

			// The restarted replica catches up with its peer (on 18.16
			// SYSTEM SYNC REPLICA can return before a replica just
			// restarted has pulled the log of what it missed, hence the
			// wait); then every acknowledged event is there once,
			// whichever replica a read picks.
			waitSameOnReplicas(t, c, database)
			require.NotZero(t, count(t, victim.DB(t), "SELECT count() FROM "+database+".events_local"))
			db := c.Node(1, 2).DB(t)
			checkOnce(t, c, db, database, l)
			// And the views count every event once.
			waitCount(t, db, count(t, db, "SELECT count() FROM "+database+".events"), 2*time.Minute,
				"SELECT sum(events) FROM "+database+".events_errors_1m")
		})
	}
}

// killDuringInsert kills srv with SIGKILL as soon as it is seen running an
// INSERT into database (or after 30 s of looking).
func killDuringInsert(t *testing.T, srv *chtest.Server, database string) {
	t.Helper()
	db := srv.DB(t)
	q := "SELECT count() FROM system.processes WHERE query LIKE 'INSERT INTO%" + database + "%'"
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		var n uint64
		if err := db.QueryRow(q).Scan(&n); err == nil && n > 0 {
			break
		}
	}
	require.NoError(t, srv.Kill())
}

// waitSameOnReplicas waits until both replicas of every shard hold the
// same number of rows (replication is asynchronous).
func waitSameOnReplicas(t *testing.T, c *chtest.Cluster, database string) {
	t.Helper()
	q := "SELECT count() FROM " + database + ".events_local"
	deadline := time.Now().Add(2 * time.Minute)
	for s := 1; s <= c.Shards(); s++ {
		for {
			a, b := count(t, c.Node(s, 1).DB(t), q), count(t, c.Node(s, 2).DB(t), q)
			if a == b {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("shard %d: the replicas hold %d and %d rows after 2 minutes", s, a, b)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
