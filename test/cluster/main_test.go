// Package cluster runs the ocb-built aires-collector in cluster mode against
// a real local ClickHouse cluster: ZooKeeper and 2 shards x 2 replicas of
// Debian's clickhouse-server, started once for the package by
// scripts/cluster.sh (through chtest.StartCluster), each test in its own
// database.
//
// The binary is build/aires-collector/aires-collector (make build), or the
// path in AIRES_COLLECTOR. Without it, or without the cluster, the tests are
// skipped, and fail when CI is set.
package cluster

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
)

var (
	shared     *chtest.Cluster
	startErr   error
	clusterDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aires-cluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clusterDir = dir
	shared, startErr = chtest.StartCluster(dir, 2, 2)
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if code == 0 {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "cluster data and logs kept in %s\n", dir)
	}
	os.Exit(code)
}

// cluster is the package's cluster; the test fails (CI) or is skipped when it
// did not start.
func cluster(t *testing.T) *chtest.Cluster {
	t.Helper()
	if startErr != nil {
		chtest.FailOrSkip(t, "cannot start the ClickHouse cluster: %v", startErr)
	}
	// A server down here stopped during an earlier test, which failed for
	// it: start it again, so that one crash fails one test and not every
	// test after it, and say what its log said.
	for _, n := range shared.Nodes {
		if !n.Alive() {
			t.Logf("shard %d replica %d (%s) was down at the start of the test; starting it again\n%s",
				n.Shard, n.Replica, n.TCPAddr(), n.LogTail(30))
			// A server that crashed can linger for a minute before it exits
			// (18.16 after a SIGSEGV: seen in CI), and start leaves a
			// running process alone: end it first.
			_ = n.Kill()
			if err := n.Restart(); err != nil {
				t.Fatalf("shard %d replica %d: %v", n.Shard, n.Replica, err)
			}
		}
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, n := range shared.Nodes {
			if !n.Alive() {
				t.Logf("shard %d replica %d (%s) is down after the failed test\n%s",
					n.Shard, n.Replica, n.TCPAddr(), n.LogTail(30))
			}
		}
	})
	return shared
}

// collectorSettings fill configTemplate.
type collectorSettings struct {
	AiresPort, HealthPort int
	Endpoint, Database    string
	// WaitForResult: the receiver answers once the batch is inserted.
	WaitForResult bool
}

const configTemplate = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.AiresPort}}
processors:
  aires_transform:
exporters:
  aires_clickhouse:
    endpoint: {{.Endpoint}}
    database: {{.Database}}
    cluster: ` + chtest.ClusterName + `
    create_schema: true
    timeout: 10s
    sending_queue:
{{- if .WaitForResult}}
      wait_for_result: true
{{- end}}
      queue_size: 100000
      sizer: items
    insert_batch: {min_rows: 1000, max_rows: 5000, max_delay: 200ms}
    retry_on_failure:
      enabled: true
      initial_interval: 200ms
      max_interval: 1s
      max_elapsed_time: 0s
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [aires]
      processors: [aires_transform]
      exporters: [aires_clickhouse]
`

type collector struct {
	collectorSettings
	proc   *collectortest.Process
	output *collectortest.Output
}

// startCollector starts a collector with settings s (ports filled in here);
// stopped when the test ends.
func startCollector(t *testing.T, s collectorSettings) *collector {
	t.Helper()
	c, err := launchCollector(t, collectortest.Binary(t), s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startCollectors starts one collector a settings at the same time (their
// schema migrations overlap), once all have started.
func startCollectors(t *testing.T, settings ...collectorSettings) []*collector {
	t.Helper()
	bin := collectortest.Binary(t)
	cols := make([]*collector, len(settings))
	errs := make([]error, len(settings))
	var wg sync.WaitGroup
	for i, s := range settings {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cols[i], errs[i] = launchCollector(t, bin, s)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return cols
}

// launchCollector starts bin with settings s; safe outside the test's
// goroutine.
func launchCollector(t *testing.T, bin string, s collectorSettings) (*collector, error) {
	var err error
	if s.AiresPort, err = collectortest.FreePort(); err != nil {
		return nil, err
	}
	if s.HealthPort, err = collectortest.FreePort(); err != nil {
		return nil, err
	}
	var cfg bytes.Buffer
	if err := template.Must(template.New("cfg").Parse(configTemplate)).Execute(&cfg, s); err != nil {
		return nil, err
	}
	c := &collector{collectorSettings: s, output: &collectortest.Output{}}
	proc, err := collectortest.Start(bin, t.TempDir(), cfg.String(), s.HealthPort, c.output, nil)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, c.output.String())
	}
	c.proc = proc
	t.Cleanup(func() {
		c.proc.Stop(30 * time.Second)
		if t.Failed() {
			t.Logf("collector output:\n%s", c.output.String())
		}
	})
	return c, nil
}

// endpointFrom is the exporter's endpoint setting listing every server,
// first of all replica 1 of shard first: collectors given different first
// servers enter the cluster through different servers.
func endpointFrom(c *chtest.Cluster, first int) string {
	var addrs []string
	for i := range c.Nodes {
		addrs = append(addrs, c.Nodes[(first+i)%len(c.Nodes)].TCPAddr())
	}
	return "tcp://" + strings.Join(addrs, ",")
}

// count runs a query returning one number.
func count(t *testing.T, db *sql.DB, query string) uint64 {
	t.Helper()
	var n uint64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// syncReplicas waits until every live server has fetched every part its
// replicas have of tables: reads through a Distributed table pick any
// replica, and replication is asynchronous.
func syncReplicas(t *testing.T, c *chtest.Cluster, database string, tables ...string) {
	t.Helper()
	for _, n := range c.Nodes {
		db := n.DB(t)
		for _, table := range tables {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			_, err := db.ExecContext(ctx, "SYSTEM SYNC REPLICA "+database+"."+table)
			cancel()
			if err != nil {
				t.Fatalf("SYSTEM SYNC REPLICA %s.%s on shard %d replica %d: %v", database, table, n.Shard, n.Replica, err)
			}
		}
	}
}

// waitCount polls query until it returns want.
func waitCount(t *testing.T, db *sql.DB, want uint64, timeout time.Duration, query string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got uint64
	for {
		err := db.QueryRow(query).Scan(&got)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d (err %v), want %d after %v", strings.TrimSpace(query), got, err, want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
