package cluster

import (
	"context"
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDistributedSyncInsertGuarantee is what an acknowledgement rests on in
// cluster mode, checked on the real servers: when an INSERT into the
// Distributed table with insert_distributed_sync=1 returns, every shard's
// rows are written on at least one of its replicas. Replication between
// replicas is asynchronous, so a read right after may pick a replica that
// has not fetched them yet and count fewer rows (what was once seen here
// with count() right after an insert): that is a stale read, not a lost
// write. With fetches stopped on the second replicas, the rows are only
// where the insert wrote them, and still all there.
//
// The setting must reach the server as a query setting (clickhouse-go's
// WithSettings, what the exporter does; clickhouse-client's
// --insert_distributed_sync=1): measured here on 18.16, an INSERT ... SELECT
// ending in SETTINGS insert_distributed_sync = 1 is asynchronous (the rows
// of the other shard are queued on the entry server and sent a moment
// later), which is what a count() right after such an insert shows.
func TestDistributedSyncInsertGuarantee(t *testing.T) {
	c := cluster(t)
	const database = "aires_ack"
	db := c.Node(1, 1).DB(t)
	sch, v := clusterSchema(t, db, database, 0)
	migrateSchema(t, db, sch, v)
	for s := 1; s <= c.Shards(); s++ {
		_, err := c.Node(s, 2).DB(t).Exec("SYSTEM STOP FETCHES " + database + ".events_local")
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		for s := 1; s <= c.Shards(); s++ {
			_, _ = c.Node(s, 2).DB(t).Exec("SYSTEM START FETCHES " + database + ".events_local")
		}
	})

	syncInsert := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	stale := 0
	for i := range 10 {
		// The setting goes with the query, as the exporter sends it: on
		// 18.16 a SETTINGS clause at the end of an INSERT ... SELECT
		// belongs to the SELECT, and the insert stays asynchronous.
		_, err := db.ExecContext(syncInsert, fmt.Sprintf("INSERT INTO %s.events (id, timestamp, timestamp_ns, service, severity)"+
			" SELECT generateUUIDv4(), now(), 0, 'insert-%d', 'info' FROM system.numbers LIMIT 1000", database, i))
		require.NoError(t, err)
		// Right after the INSERT returned: the rows of every shard are on
		// one of its replicas (the one the insert chose for that shard).
		var onOneReplica uint64
		q := fmt.Sprintf("SELECT count() FROM %s.events_local WHERE service = 'insert-%d'", database, i)
		for s := 1; s <= c.Shards(); s++ {
			a, b := count(t, c.Node(s, 1).DB(t), q), count(t, c.Node(s, 2).DB(t), q)
			onOneReplica += max(a, b)
			if a != b {
				stale++
			}
		}
		assert.Equal(t, uint64(1000), onOneReplica, "insert %d", i)
	}
	// Each shard's rows went to one replica, chosen at random per insert:
	// the other one lacked some.
	assert.NotZero(t, stale, "no replica ever lacked rows with fetches stopped")
	for s := 1; s <= c.Shards(); s++ {
		_, err := c.Node(s, 2).DB(t).Exec("SYSTEM START FETCHES " + database + ".events_local")
		require.NoError(t, err)
	}
	syncReplicas(t, c, database, "events_local")
	waitSameOnReplicas(t, c, database)
	assert.Equal(t, uint64(10000), count(t, db, "SELECT count() FROM "+database+".events"))
}
