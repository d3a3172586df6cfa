package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func clusterSchema(v Version, replication bool) Schema {
	return Schema{
		Table:     Table{Database: "aires", Name: "events"},
		Caps:      CapabilitiesOf(v),
		Retention: 30 * 24 * time.Hour,
		Cluster: Cluster{Name: "aires", Replication: replication, ReplicationPath: DefaultReplicationPath,
			ReplicaName: DefaultReplicaName, ShardingKey: DefaultShardingKey},
	}
}

// compareGolden compares got with testdata/name (rewritten with -update).
func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update if intended):\n%s", path, got)
	}
}

// TestClusterSchemaGolden compares the whole cluster-mode DDL per server
// version (replicated, 30 days of retention) with
// testdata/cluster_<version>.sql, and the DDL without replication on 18.16
// and 26.7 with cluster_noreplication_<version>.sql. (Not schema_*.sql:
// test/modern runs those on chDB, which has no cluster; the migrations in
// test/cluster run the 18.16 statements on a real one.)
func TestClusterSchemaGolden(t *testing.T) {
	for _, v := range goldenVersions {
		for _, replication := range []bool{true, false} {
			name := "cluster_" + v + ".sql"
			if !replication {
				if v != "18.16.1" && v != "26.7.1" {
					continue
				}
				name = "cluster_noreplication_" + v + ".sql"
			}
			t.Run(name, func(t *testing.T) {
				ver, err := ParseVersion(v)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, stmt := range clusterSchema(ver, replication).Statements() {
					b.WriteString(strings.TrimSpace(stmt) + ";\n\n")
				}
				compareGolden(t, name, b.String())
			})
		}
	}
}

// TestClusterQueriesGolden compares the statements and queries that differ
// in cluster mode with testdata/queries_cluster.sql.
func TestClusterQueriesGolden(t *testing.T) {
	s := clusterSchema(Version{23, 8, 2}, true)
	var alias ColumnDef
	for _, d := range s.EventColumns() {
		if d.Name == "is_error" {
			alias = d
		}
	}
	queries := []struct{ name, sql string }{
		{"AddColumn", s.AddColumn(alias)},
		{"DropDistributed", s.DropDistributed(s.Table)},
		{"ModifyTTL", s.ModifyTTL(s.Views()[0].Target, s.TTL("minute"))},
		{"ModifyDedupWindow", s.ModifyDedupWindow(s.LocalTable())},
		{"ActivePartitions", s.ActivePartitions()},
		{"DropPartition", s.DropPartition(Partition{Table: s.LocalTable(), ID: "20260208", Day: "2026-02-08"})},
		{"StoredIDs", s.StoredIDs(1764504000, 1764504060, []string{"checkout"})},
	}
	var b strings.Builder
	for _, q := range queries {
		b.WriteString("-- " + q.name + "\n" + q.sql + ";\n\n")
	}
	compareGolden(t, "queries_cluster.sql", b.String())
}

func TestClusterNames(t *testing.T) {
	one := Schema{Table: Table{Database: "aires", Name: "events"}}
	if one.Clustered() || one.LocalTable() != one.Table || one.Views()[0].Distributed != (Table{}) {
		t.Errorf("one server: local table %s, views %+v", one.LocalTable(), one.Views()[0])
	}
	s := clusterSchema(Version{18, 16, 1}, true)
	if got := s.LocalTable().String(); got != "`aires`.`events_local`" {
		t.Errorf("local table %s", got)
	}
	var got []string
	for _, tb := range s.Tables() {
		got = append(got, tb.Name)
	}
	if strings.Join(got, " ") != "events_local events_errors_1m_local events_http_1m_local events_traces_local" {
		t.Errorf("tables holding rows: %v", got)
	}
	v := s.Views()[1]
	if v.Distributed.Name != "events_http_1m" || v.MV.Name != "events_http_1m_mv" || v.Target.Name != "events_http_1m_local" {
		t.Errorf("http view names: %+v", v)
	}
	if !strings.Contains(v.CreateMV, "FROM `aires`.`events_local`") {
		t.Errorf("the view does not read the local table:\n%s", v.CreateMV)
	}
	if !strings.Contains(s.CreateTable(), "ReplicatedMergeTree('/clickhouse/tables/{shard}/aires/events_local', '{replica}')") {
		t.Errorf("events_local engine:\n%s", s.CreateTable())
	}
}

func TestClusterInsertSettings(t *testing.T) {
	for _, tt := range []struct {
		s    Schema
		want map[string]bool
	}{
		{clusterSchema(Version{18, 16, 1}, true), map[string]bool{"insert_distributed_sync": true}},
		{clusterSchema(Version{23, 8, 2}, true), map[string]bool{"insert_distributed_sync": true, "insert_deduplication_token": true, "deduplicate_blocks_in_dependent_materialized_views": true}},
		{Schema{Caps: CapabilitiesOf(Version{18, 16, 1})}, map[string]bool{}},
	} {
		got := tt.s.InsertSettings("tok")
		if len(got) != len(tt.want) {
			t.Errorf("cluster %q: settings %v, want %v", tt.s.Cluster.Name, got, tt.want)
		}
		for k := range tt.want {
			if _, ok := got[k]; !ok {
				t.Errorf("cluster %q: settings %v lack %s", tt.s.Cluster.Name, got, k)
			}
		}
	}
}
