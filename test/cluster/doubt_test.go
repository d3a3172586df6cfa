package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoredIDsOnEveryShard runs the query that resolves an insert in doubt
// (which of a batch's ids are stored) the way the exporter does, with the
// ids as an external table, through the Distributed table: it finds the ids
// of every shard (GLOBAL IN sends the external table to them), and only
// those.
func TestStoredIDsOnEveryShard(t *testing.T) {
	c := cluster(t)
	const database = "aires_doubt"
	db := c.Node(1, 1).DB(t)
	sch, v := clusterSchema(t, db, database, 0)
	migrateSchema(t, db, sch, v)
	ctx := context.Background()
	conn, err := clickhouse.Open(c.Node(1, 1).Options())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })

	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	stored := make([]uuid.UUID, 200)
	batch, err := conn.PrepareBatch(clickhouse.Context(ctx, clickhouse.WithSettings(sch.InsertSettings(""))),
		"INSERT INTO "+sch.Table.String()+" (id, timestamp, timestamp_ns, service, severity)")
	require.NoError(t, err)
	for i := range stored {
		stored[i] = uuid.New()
		require.NoError(t, batch.Append(stored[i], at, uint64(at.UnixNano()), "checkout", "info"))
	}
	require.NoError(t, batch.Send())
	syncReplicas(t, c, database, "events_local")
	for s := 1; s <= c.Shards(); s++ {
		require.NotZero(t, count(t, c.Node(s, 1).DB(t), "SELECT count() FROM "+sch.LocalTable().String()), "shard %d", s)
	}

	ids, err := ext.NewTable("aires_doubtful_ids", ext.Column("id", "UUID"))
	require.NoError(t, err)
	want := map[uuid.UUID]bool{}
	for i, id := range stored {
		if i%2 == 0 {
			require.NoError(t, ids.Append(id))
			want[id] = true
		}
	}
	for range 50 {
		require.NoError(t, ids.Append(uuid.New())) // never stored
	}
	rows, err := conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(ids)),
		sch.StoredIDs(at.Unix(), at.Unix(), []string{"checkout"}))
	require.NoError(t, err)
	defer rows.Close()
	got := map[uuid.UUID]bool{}
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		got[id] = true
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, want, got)
}
