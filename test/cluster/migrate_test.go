package cluster

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
)

// clusterSchema is the exporter's default cluster schema for database on
// the server behind db.
func clusterSchema(t testing.TB, db *sql.DB, database string, retention time.Duration) (schema.Schema, schema.Version) {
	t.Helper()
	version, err := migrate.ServerVersion(context.Background(), migrate.SQLDB(db))
	require.NoError(t, err)
	v, err := schema.ParseVersion(version)
	require.NoError(t, err)
	return schema.Schema{
		Table: schema.Table{Database: database, Name: "events"}, Caps: schema.CapabilitiesOf(v), Retention: retention,
		Cluster: schema.Cluster{Name: chtest.ClusterName, Replication: true, ReplicationPath: schema.DefaultReplicationPath,
			ReplicaName: schema.DefaultReplicaName, ShardingKey: schema.DefaultShardingKey},
	}, v
}

// migrateSchema creates or migrates sch through db.
func migrateSchema(t testing.TB, db *sql.DB, sch schema.Schema, v schema.Version) {
	t.Helper()
	require.NoError(t, (&migrate.Migrator{DB: migrate.SQLDB(db), Schema: sch, Server: v}).Run(context.Background()))
}

func strings1(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := migrate.SQLDB(db).Query(context.Background(), query)
	require.NoError(t, err, query)
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	sort.Strings(out)
	return out
}

// waitColumn waits until every server has (or lacks) column of table.
func waitColumn(t *testing.T, c *chtest.Cluster, table schema.Table, column string, want bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, n := range c.Nodes {
		db := n.DB(t)
		for {
			cols := strings1(t, db, schema.ColumnNames(table))
			has := false
			for _, col := range cols {
				has = has || col == column
			}
			if has == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("shard %d replica %d: column %s of %s present = %v, want %v", n.Shard, n.Replica, column, table, has, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestMigrationsOnCluster: two collectors migrate a new database at the
// same moment through servers of different shards; both succeed, every
// server has every table, and every server sees the versions recorded
// once. A later run adds to the per-shard tables and to the Distributed
// table a column they lack (ON CLUSTER; the Distributed one created again),
// and retention drops expired days on every shard.
func TestMigrationsOnCluster(t *testing.T) {
	c := cluster(t)
	const database = "aires_mig"
	ctx := context.Background()
	dbs := []*sql.DB{c.Node(1, 1).DB(t), c.Node(2, 2).DB(t)}
	sch, v := clusterSchema(t, dbs[0], database, 24*time.Hour)

	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = (&migrate.Migrator{DB: migrate.SQLDB(db), Schema: sch, Server: v}).Run(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}
	want := []string{"events", "events_errors_1m", "events_errors_1m_local", "events_errors_1m_mv", "events_http_1m",
		"events_http_1m_local", "events_http_1m_mv", "events_local", "events_traces", "events_traces_local", "events_traces_mv", "schema_migrations"}
	syncReplicas(t, c, database, "schema_migrations")
	for _, n := range c.Nodes {
		db := n.DB(t)
		assert.Equal(t, want, strings1(t, db, "SELECT name FROM system.tables WHERE database = '"+database+"'"), "shard %d replica %d", n.Shard, n.Replica)
		assert.Equal(t, []string{"1", "2", "3", "4"}, strings1(t, db, schema.AppliedVersions(sch.Table)), "versions seen on shard %d replica %d", n.Shard, n.Replica)
	}

	// An older schema: the per-shard tables and the Distributed one without
	// is_error.
	_, err := dbs[0].Exec("ALTER TABLE " + sch.LocalTable().String() + " ON CLUSTER " + chtest.ClusterName + " DROP COLUMN is_error")
	require.NoError(t, err)
	for _, n := range c.Nodes {
		_, err := n.DB(t).Exec("ALTER TABLE " + sch.Table.String() + " DROP COLUMN is_error")
		require.NoError(t, err)
	}
	waitColumn(t, c, sch.LocalTable(), "is_error", false)
	require.NoError(t, (&migrate.Migrator{DB: migrate.SQLDB(dbs[1]), Schema: sch, Server: v}).Run(ctx))
	waitColumn(t, c, sch.LocalTable(), "is_error", true)
	waitColumn(t, c, sch.Table, "is_error", true)

	// Retention: rows of two days, one expired, on both shards.
	// Synchronous (see ack_test.go: not with a SETTINGS clause on 18.16).
	syncInsert := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	_, err = dbs[0].ExecContext(syncInsert, "INSERT INTO "+sch.Table.String()+" (id, timestamp, timestamp_ns, service, severity)"+
		" SELECT generateUUIDv4(), toDateTime('2026-11-20 10:00:00') + (number % 2) * 86400, 0, 'svc', 'info' FROM system.numbers LIMIT 400")
	require.NoError(t, err)
	q := "SELECT count() FROM " + sch.Table.String() + " WHERE toDate(timestamp) = '2026-11-20'"
	require.NotZero(t, count(t, dbs[0], q))
	dropped, err := migrate.DropExpired(ctx, migrate.SQLDB(dbs[1]), sch, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	var days []string
	for _, p := range dropped {
		days = append(days, p.Table.Name+" "+p.Day)
	}
	assert.Contains(t, strings.Join(days, ","), "events_local 2026-11-20")
	syncReplicas(t, c, database, "events_local")
	for _, n := range c.Nodes {
		assert.Zero(t, count(t, n.DB(t), "SELECT count() FROM "+sch.LocalTable().String()+" WHERE toDate(timestamp) = '2026-11-20'"),
			"expired rows left on shard %d replica %d", n.Shard, n.Replica)
		assert.NotZero(t, count(t, n.DB(t), "SELECT count() FROM "+sch.LocalTable().String()), "shard %d replica %d lost the recent rows", n.Shard, n.Replica)
	}
}
