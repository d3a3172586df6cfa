package schema

import (
	"strconv"
	"strings"
)

// Cluster is cluster mode: the schema is created on every server of a
// ClickHouse cluster (ON CLUSTER DDL), each shard holds its rows in a local
// table, and the names users query are Distributed tables over them.
//
//	<table>_local           per shard: ReplicatedMergeTree (or MergeTree without replication)
//	<table>                 Distributed(<cluster>, <database>, <table>_local, <sharding key>)
//	<table>_errors_1m_local per shard: the errors view's target, fed by <table>_errors_1m_mv on <table>_local
//	<table>_errors_1m       Distributed over <table>_errors_1m_local (the same for _http_1m)
//
// so every documented query, dashboards included, reads the same names as on
// one server.
type Cluster struct {
	// Name is the cluster in the servers' remote_servers; "" is a single
	// server (no cluster mode).
	Name string
	// Replication makes the per-shard tables Replicated*MergeTree: each
	// shard's replicas copy rows between them, and a retried block is
	// dropped as a duplicate. Without it they are plain *MergeTree (one
	// replica a shard).
	Replication bool
	// ReplicationPath is the ZooKeeper path of a replicated table:
	// {database} and {table} are replaced here, {shard} (and any other
	// macro) by each server from its <macros>.
	ReplicationPath string
	// ReplicaName is the replica's name in that path, usually the server's
	// {replica} macro.
	ReplicaName string
	// ShardingKey is the expression choosing the shard of a row inserted
	// through the Distributed table.
	ShardingKey string
}

// Cluster mode defaults (the exporter's config documents them).
const (
	DefaultReplicationPath = "/clickhouse/tables/{shard}/{database}/{table}"
	DefaultReplicaName     = "{replica}"
	// DefaultShardingKey spreads rows evenly, and the same rows always the
	// same way: a retried batch is split into the same per-shard blocks, so
	// each shard drops its block as a duplicate. (18.16's cityHash64 does not
	// take a UUID, hence toString.)
	DefaultShardingKey = "cityHash64(toString(id))"
	// LocalSuffix names a per-shard table after the Distributed one.
	LocalSuffix = "_local"
)

// Clustered reports whether s is in cluster mode.
func (s Schema) Clustered() bool { return s.Cluster.Name != "" }

// onCluster is the ON CLUSTER clause of s's DDL, with its leading space; ""
// on a single server.
func (s Schema) onCluster() string {
	if !s.Clustered() {
		return ""
	}
	return " ON CLUSTER " + quote(s.Cluster.Name)
}

// replicated reports whether s's tables are Replicated*MergeTree.
func (s Schema) replicated() bool { return s.Clustered() && s.Cluster.Replication }

// local names the table holding the rows behind the name users query t: t
// itself on one server, t + "_local" in cluster mode.
func (s Schema) local(t Table) Table {
	if !s.Clustered() {
		return t
	}
	return Table{Database: t.Database, Name: t.Name + LocalSuffix}
}

// LocalTable is the events table holding the rows: the events table on one
// server, <table>_local on each shard in cluster mode. Migrations, TTL and
// retention apply to it; inserts and queries go to Table.
func (s Schema) LocalTable() Table { return s.local(s.Table) }

// engine is the ENGINE of a table t of the MergeTree family kind
// ("MergeTree", "SummingMergeTree"...): its Replicated variant, with its
// ZooKeeper path and replica name, where s replicates.
func (s Schema) engine(kind string, t Table) string {
	if !s.replicated() {
		return kind + "()"
	}
	return "Replicated" + kind + "(" + Literal(s.zooKeeperPath(t)) + ", " + Literal(s.Cluster.ReplicaName) + ")"
}

func (s Schema) zooKeeperPath(t Table) string {
	return strings.NewReplacer("{database}", t.Database, "{table}", t.Name).Replace(s.Cluster.ReplicationPath)
}

// createDistributed is the statement creating dist, the Distributed table
// over local with columns cols (the local table's, without indexes: a
// Distributed table stores nothing). key is the sharding key; "" for tables
// only read through dist.
func (s Schema) createDistributed(dist, local Table, cols []string, key string) string {
	args := []string{quote(s.Cluster.Name), quote(local.Database), quote(local.Name)}
	if key != "" {
		args = append(args, key)
	}
	return "CREATE TABLE IF NOT EXISTS " + dist.String() + s.onCluster() + "\n(\n" + strings.Join(cols, ",\n") +
		"\n)\nENGINE = Distributed(" + strings.Join(args, ", ") + ")\n"
}

// CreateDistributed creates the events table users query in cluster mode:
// the Distributed table over LocalTable on every shard; "" on one server.
func (s Schema) CreateDistributed() string {
	if !s.Clustered() {
		return ""
	}
	return s.createDistributed(s.Table, s.LocalTable(), s.columnLines(), s.Cluster.ShardingKey)
}

// DropDistributed drops Distributed table t on every server, to create it
// again with new columns: 18.16 refuses ALTER ... ON CLUSTER on a table
// that is not replicated in a cluster whose shards are, and a Distributed
// table holds no rows.
func (s Schema) DropDistributed(t Table) string {
	return "DROP TABLE IF EXISTS " + t.String() + s.onCluster()
}

// dedupSetting is the table setting that sizes the deduplication window of
// s's tables, and whether the server has it: replicated tables have theirs
// on every version, plain MergeTree since 21.3.
func (s Schema) dedupSetting() (string, bool) {
	if s.replicated() {
		return "replicated_deduplication_window", true
	}
	return "non_replicated_deduplication_window", s.Caps.DedupWindow
}

// InsertSettings are the query settings of an INSERT of a batch named
// token (DedupToken): in cluster mode, insert_distributed_sync, so the
// INSERT into the Distributed table returns only once every shard's block
// is written on one of its replicas (the acknowledgement's promise), and
// the deduplication token where the server has it (Capabilities.InsertSettings).
func (s Schema) InsertSettings(token string) map[string]any {
	out := s.Caps.InsertSettings(token)
	if s.Clustered() {
		if out == nil {
			out = map[string]any{}
		}
		out["insert_distributed_sync"] = 1
	}
	return out
}

// StoredIDs selects the ids of StoredIDsTable that the events table holds
// (see the function StoredIDs). In cluster mode the query reads every shard
// through the Distributed table: GLOBAL IN sends the ids to them.
func (s Schema) StoredIDs(minTs, maxTs int64, services []string) string {
	q := StoredIDs(s.Table, minTs, maxTs, services)
	if s.Clustered() {
		q = strings.Replace(q, " AND id IN ", " AND id GLOBAL IN ", 1)
	}
	return q
}

// partsTable is where the active partitions of s's tables are listed: the
// server's system.parts, or one replica of every shard's in cluster mode.
func (s Schema) partsTable() string {
	if !s.Clustered() {
		return "system.parts"
	}
	return "cluster(" + Literal(s.Cluster.Name) + ", system, parts)"
}

// DropPartition is the statement dropping partition p, on every shard in
// cluster mode (a replicated table drops it on its replicas itself).
func (s Schema) DropPartition(p Partition) string {
	return "ALTER TABLE " + p.Table.String() + s.onCluster() + " DROP PARTITION ID " + Literal(p.ID)
}

// ModifyTTL is the statement setting table t's TTL to expr, on every server
// in cluster mode.
func (s Schema) ModifyTTL(t Table, expr string) string {
	return "ALTER TABLE " + t.String() + s.onCluster() + " MODIFY TTL " + expr
}

// CanModifyDedupWindow reports whether an existing table can be given the
// deduplication window (ALTER ... MODIFY SETTING, 21.3+ like the
// non-replicated window; tables created here have it from the start).
func (s Schema) CanModifyDedupWindow() bool { return s.Caps.DedupWindow }

// ModifyDedupWindow is the statement giving existing table t the
// deduplication window.
func (s Schema) ModifyDedupWindow(t Table) string {
	name, _ := s.dedupSetting()
	return "ALTER TABLE " + t.String() + s.onCluster() + " MODIFY SETTING " + name + " = " + strconv.Itoa(DedupWindow)
}

// HasDedupWindow reports whether engineFull (a TableEngine row) already has
// the deduplication window of DedupWindow blocks.
func (s Schema) HasDedupWindow(engineFull string) bool {
	name, _ := s.dedupSetting()
	return strings.Contains(normalizeSQL(engineFull), normalizeSQL(name+" = "+strconv.Itoa(DedupWindow)))
}
