package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/go-faster/city"
	"github.com/google/uuid"

	"github.com/aires-dev/aires/internal/chtest"
)

// The two ways an acknowledged batch can reach the shards (README, cluster
// mode): one INSERT into the Distributed table with insert_distributed_sync
// (the server splits the batch by the sharding key and writes each shard's
// part on one of its replicas before answering), or the client splitting
// it with the same key and inserting each part into its shard's
// events_local itself, in parallel (no second hop through the entry
// server). Both send the same rows, of a few columns, in batches of
// benchRows.
const benchRows = 10_000

const benchColumns = "id, timestamp, timestamp_ns, service, severity, message, trace_id, http_route, http_status, http_duration_ms"

type benchRow struct {
	id      uuid.UUID
	ts      time.Time
	service string
	sev     string
	msg     string
	trace   string
	route   string
	status  uint16
	ms      float64
}

func benchRowsOf(n, seq int) []benchRow {
	rows := make([]benchRow, n)
	now := time.Now().UTC().Truncate(time.Second)
	for i := range rows {
		rows[i] = benchRow{id: uuid.New(), ts: now, service: fmt.Sprintf("svc-%d", i%8), sev: "info",
			msg: fmt.Sprintf("order %d placed", seq*n+i), trace: fmt.Sprintf("%032x", i), route: "/orders/{id}", status: 200, ms: float64(i%300) / 3}
	}
	return rows
}

func sendBench(ctx context.Context, conn driver.Conn, table string, rows []benchRow) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+benchColumns+")")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := batch.Append(r.id, r.ts, uint64(r.ts.UnixNano()), r.service, r.sev, r.msg, r.trace, r.route, r.status, r.ms); err != nil {
			return err
		}
	}
	return batch.Send()
}

func benchConn(b *testing.B, n *chtest.Node) driver.Conn {
	conn, err := clickhouse.Open(n.Options())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	return conn
}

// migrateBench creates the cluster schema of database.
func migrateBench(b *testing.B, c *chtest.Cluster, database string) {
	db := c.Node(1, 1).DB(b)
	sch, v := clusterSchema(b, db, database, 0)
	migrateSchema(b, db, sch, v)
}

// serversCPU is the CPU time the cluster's servers have used so far (user
// and system, all four), in clock ticks.
func serversCPU(b *testing.B, c *chtest.Cluster) uint64 {
	var ticks uint64
	for _, n := range c.Nodes {
		pid, err := os.ReadFile(filepath.Join(n.Dir, "server.pid"))
		if err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(string(pid)), "stat"))
		if err != nil {
			b.Fatal(err)
		}
		// Fields 14 and 15 (utime, stime), after the command in parentheses.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
		for _, v := range f[11:13] {
			t, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			ticks += t
		}
	}
	return ticks
}

// reportInsert reports the insert rate and the servers' CPU per row since
// before (a serversCPU reading): replication (the second replica fetching
// each part) and merges running meanwhile included.
func reportInsert(b *testing.B, c *chtest.Cluster, before uint64) {
	rows := float64(b.N * benchRows)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	const ticksPerSecond = 100 // USER_HZ on Linux
	b.ReportMetric(float64(serversCPU(b, c)-before)/ticksPerSecond*1e6/rows, "server-us/row")
}

// misplaced counts the rows of events_local on shard that the sharding key
// puts on another shard.
func misplaced(b *testing.B, c *chtest.Cluster, database string, shard int) uint64 {
	var n uint64
	q := fmt.Sprintf("SELECT countIf(cityHash64(toString(id)) %% %d != %d) FROM %s.events_local", c.Shards(), shard-1, database)
	if err := c.Node(shard, 1).DB(b).QueryRow(q).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkInsertPaths(b *testing.B) {
	if startErr != nil {
		chtest.FailOrSkip(b, "cannot start the ClickHouse cluster: %v", startErr)
	}
	c := shared
	const database = "aires_bench"
	migrateBench(b, c, database)
	entry := benchConn(b, c.Node(1, 1))
	shardConns := []driver.Conn{benchConn(b, c.Node(1, 1)), benchConn(b, c.Node(2, 1))}
	ctx := context.Background()

	b.Run("distributed_sync", func(b *testing.B) {
		b.ReportAllocs()
		sync1 := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
		cpu := serversCPU(b, c)
		for i := 0; b.Loop(); i++ {
			if err := sendBench(sync1, entry, database+".events", benchRowsOf(benchRows, i)); err != nil {
				b.Fatal(err)
			}
		}
		reportInsert(b, c, cpu)
	})
	b.Run("per_shard_local", func(b *testing.B) {
		b.ReportAllocs()
		cpu := serversCPU(b, c)
		for i := 0; b.Loop(); i++ {
			// The sharding key, cityHash64(toString(id)), computed here:
			// a shard is the key modulo the number of shards (weights 1).
			parts := make([][]benchRow, len(shardConns))
			for _, r := range benchRowsOf(benchRows, i) {
				s := city.CH64([]byte(r.id.String())) % uint64(len(shardConns))
				parts[s] = append(parts[s], r)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(parts))
			for s := range parts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[s] = sendBench(ctx, shardConns[s], database+".events_local", parts[s])
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		reportInsert(b, c, cpu)
	})
	// The client's split is the server's: every row is on the shard the
	// Distributed table would have chosen.
	for s := 1; s <= c.Shards(); s++ {
		if n := misplaced(b, c, database, s); n != 0 {
			b.Fatalf("shard %d holds %d rows the sharding key puts elsewhere", s, n)
		}
	}
}
