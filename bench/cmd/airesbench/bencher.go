// The bencher: one ClickHouse, one collector and the SDK load, run through
// the phases in order, with a sampler of stored rows between them.

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chtest"
)

// sample is one point of the throughput time series.
type sample struct {
	T       float64 `json:"t"` // seconds since the bench started
	RowsSec float64 `json:"rows_per_sec"`
	Phase   string  `json:"phase"`
}

type latencySample struct {
	T  float64 `json:"t"`
	Ms float64 `json:"ms"`
}

type bencher struct {
	cfg   *config
	conn  driver.Conn
	db    string
	col   *collector
	fleet *fleet
	pids  map[string]int
	t0    time.Time

	mu      sync.Mutex
	series  []sample
	lat     []latencySample
	phase   atomic.Value // string
	lastCnt uint64
	lastT   time.Time
}

func bench(ctx context.Context, c *config) (*report, error) {
	rep := &report{}
	rep.Machine = machineInfo()
	rep.When = time.Now().UTC().Format(time.RFC3339)
	d := &rep.Details
	d.Quick = c.quick
	d.Exporter = c.exp
	d.MemoryLimitMiB = c.memLimitMiB
	d.Clients, d.Goroutines, d.SDKCompression, d.SDKBatchSize = c.clients, c.goroutines, c.sdkCompression, c.sdkBatch

	if !c.skipSDK {
		logf("phase sdk: bench/sdkcompare (benchtime %s, count %d)", c.sdkBenchtime, c.sdkCount)
		res, _, err := runSDKCompare(c.root, c.sdkBenchtime, c.sdkCount)
		if err != nil {
			return nil, err
		}
		d.SDK = res
		get := func(name, unit string) float64 { return res[name][unit] }
		rep.SDKInfoNsOp = get("BenchmarkInfo3Attrs/aires", "ns/op")
		rep.ZapNsOp = get("BenchmarkInfo3Attrs/zap", "ns/op")
		rep.SlogNsOp = get("BenchmarkInfo3Attrs/slog", "ns/op")
		rep.OtelSDKNsOp = get("BenchmarkInfo3Attrs/otel-logs-sdk", "ns/op")
		rep.SDKGRPCEventsPerSec = get("BenchmarkThroughput/zstd", "events/s")
		logf("phase sdk: whole-process CPU per event, bench/sdkcompare/cmd/sdkcpu (%d rounds)", c.sdkCPURounds)
		cpu, err := runSDKCPU(c.root, c.sdkCPURounds, c.profileDir)
		if err != nil {
			return nil, err
		}
		d.SDKCPU = cpu
	}

	dir, err := os.MkdirTemp("", "airesbench-")
	if err != nil {
		return nil, err
	}
	if c.keep {
		logf("temporary directory %s kept", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if rep.Machine.FSCreateUsPerFile, err = fsCreateProbe(dir, "start"); err != nil {
		return nil, err
	}
	logf("file system: %.0f us to create a file (%d files)", rep.Machine.FSCreateUsPerFile, fsProbeFiles)
	logf("starting ClickHouse")
	ch, err := chtest.StartServer(filepath.Join(dir, "clickhouse"))
	if err != nil {
		return nil, fmt.Errorf("start ClickHouse: %w", err)
	}
	defer func() { _ = ch.Stop() }()
	if rep.Machine.ClickHouseMergeNice, err = ch.MergeThreadNice(); err != nil {
		logf("ClickHouse's merge threads: %v (reported as nice -1)", err)
		rep.Machine.ClickHouseMergeNice = -1
	}
	opts := ch.Options()
	opts.MaxOpenConns = 4
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&rep.Machine.ClickHouseVersion); err != nil {
		return nil, fmt.Errorf("ClickHouse version: %w", err)
	}

	b := &bencher{cfg: c, conn: conn, db: "aires_bench", t0: time.Now()}
	b.phase.Store("start")
	logf("starting %s", c.collector)
	col, err := startCollector(c.collector, dir, collectorSettings{
		exporterSettings: c.exp, ClickHouse: ch.Endpoint(), Database: b.db,
		MemoryLimitMiB: c.memLimitMiB, PprofPort: c.pprofPort, Env: c.collectorEnv,
	})
	if err != nil {
		return nil, err
	}
	defer col.stop()
	b.col = col
	b.pids = map[string]int{"collector": col.pid(), "airesbench": 0}
	if pid, err := ch.Pid(); err == nil {
		b.pids["clickhouse"] = pid
	}
	tmpls := makeTemplates(4096)
	sctx, stopSampler := context.WithCancel(ctx)
	defer stopSampler()
	go b.sampler(sctx)

	if c.has("raw") {
		b.phase.Store("raw")
		logf("phase raw: native insert, %d-row batches, %d writers, %s", c.rawBatch, c.rawWriter, c.rawDur)
		if err := cloneSchema(ctx, conn, b.db, b.rawDB()); err != nil {
			return nil, fmt.Errorf("the raw phase's tables: %w", err)
		}
		r, err := rawInsert(ctx, opts, b.rawDB(), tmpls, c.rawBatch, c.rawWriter, c.rawDur, b.pids)
		if err != nil {
			return nil, err
		}
		d.Raw = &r
		rep.RawInsertRowsPerSec = round0(r.RowsPerSec)
		logf("  raw: %.0f rows/s (cores used %v)", r.RowsPerSec, r.Cores)
		if err := b.settle(ctx); err != nil {
			return nil, err
		}
	}

	f, err := newFleet(fmt.Sprintf("127.0.0.1:%d", col.AiresPort), c.clients, c.goroutines, c.sdk(c.sdkCompression), tmpls)
	if err != nil {
		return nil, err
	}
	b.fleet = f
	defer f.shutdown(5 * time.Second)

	if c.has("sustained") {
		s, err := b.sustained(ctx)
		if err != nil {
			return nil, err
		}
		d.Sustained = s
		rep.E2EEventsPerSec = round0(s.EventsPerSec)
		if rep.RawInsertRowsPerSec > 0 {
			rep.E2ERatio = round3(s.EventsPerSec / rep.RawInsertRowsPerSec)
		}
	}
	rate := rep.E2EEventsPerSec
	if rate == 0 {
		rate = 50000
	}
	if c.has("latency") {
		if err := b.settle(ctx); err != nil {
			return nil, err
		}
		lrate := c.latLoad * rate
		if c.latRate > 0 {
			lrate = c.latRate
		}
		fsUs, err := fsCreateProbe(dir, "latency")
		if err != nil {
			return nil, err
		}
		l, err := b.latency(ctx, lrate)
		if err != nil {
			return nil, err
		}
		l.FSCreateUsPerFile = fsUs
		d.Latency = l
		rep.E2ELatencyP50Ms, rep.E2ELatencyP99Ms = l.P50Ms, l.P99Ms
	}
	if c.has("overload") {
		// From a quiet ClickHouse, as the sustained phase it is compared
		// with: the merges of the latency phase's small parts would
		// otherwise run in its window.
		if err := b.settle(ctx); err != nil {
			return nil, err
		}
		o, err := b.overload(ctx, c.overFactor*rate)
		if err != nil {
			return nil, err
		}
		d.Overload = o
		rep.CollectorRSSMBMax = o.RSSMaxMB
	}
	if c.has("unlimited") && c.memLimitMiB > 0 {
		if err := b.settle(ctx); err != nil {
			return nil, err
		}
		u, err := b.unlimited(ctx, dir, ch.Endpoint(), tmpls)
		if err != nil {
			return nil, err
		}
		d.Unlimited = u
	}
	if c.has("shapes") {
		sh, err := b.shapes(ctx, dir)
		if err != nil {
			return nil, err
		}
		d.Shapes = sh
	}
	if c.has("idle") {
		if err := b.settle(ctx); err != nil {
			return nil, err
		}
		id, err := b.idle(ctx)
		if err != nil {
			return nil, err
		}
		d.Idle = id
	}
	rep.derive()
	d.CollectorMetrics = filterMetrics(col.metrics())
	stopSampler()
	b.mu.Lock()
	d.Series, d.LatencySeries = b.series, b.lat
	b.mu.Unlock()
	if !col.alive() {
		return nil, fmt.Errorf("the collector exited during the run:\n%s", tail(col.log))
	}
	return rep, ctx.Err()
}

// settle waits (at most 30 s, 10 s quick) until ClickHouse has no merge
// running, so the merges a phase leaves behind are not charged to the next
// one. (The raw phase writes to a database of its own, see cloneSchema, so
// its rows are neither merged with the pipeline's nor deleted.)
func (b *bencher) settle(ctx context.Context) error {
	start := time.Now()
	limit := 30 * time.Second
	if b.cfg.quick {
		limit = 10 * time.Second
	}
	idle := 0
	for time.Since(start) < limit && idle < 2 {
		var n uint64
		if err := b.conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			return fmt.Errorf("read system.merges: %w", err)
		}
		if n == 0 {
			idle++
		} else {
			idle = 0
		}
		if !sleepCtx(ctx, 250*time.Millisecond) {
			return ctx.Err()
		}
	}
	logf("  settled in %.1fs (no merge running: %v)", time.Since(start).Seconds(), idle >= 2)
	return nil
}

// rawDB is the raw phase's database: a copy of the pipeline's tables and
// views (cloneSchema).
func (b *bencher) rawDB() string { return b.db + "_raw" }

// partRows is the number of rows in the events tables' active parts (the
// pipeline's and the raw phase's): visible rows, cheap to read.
func (b *bencher) partRows(ctx context.Context) (uint64, error) {
	var n uint64
	err := b.conn.QueryRow(ctx, "SELECT toUInt64(sum(rows)) FROM system.parts WHERE database IN (?, ?) AND table = 'events' AND active", b.db, b.rawDB()).Scan(&n)
	return n, err
}

// pipelineRows counts the rows that came through the collector.
func (b *bencher) pipelineRows(ctx context.Context) (uint64, error) {
	var n uint64
	err := b.conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.events WHERE service IN ('%s', '%s')", b.db, serviceLoad, serviceProbe)).Scan(&n)
	return n, err
}

// sampler records the rows/s landing in ClickHouse every second.
func (b *bencher) sampler(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := b.partRows(ctx)
		if err != nil {
			continue
		}
		now := time.Now()
		b.mu.Lock()
		// A count below the last one (a table emptied by hand during the
		// run): no rate for that second.
		if !b.lastT.IsZero() && n >= b.lastCnt {
			b.series = append(b.series, sample{
				T:       round2(now.Sub(b.t0).Seconds()),
				RowsSec: round0(float64(n-b.lastCnt) / now.Sub(b.lastT).Seconds()),
				Phase:   b.phase.Load().(string),
			})
		}
		b.lastCnt, b.lastT = n, now
		b.mu.Unlock()
	}
}

// drain flushes the SDK clients and waits until every acknowledged event is
// in ClickHouse (or the timeout).
func (b *bencher) drain(ctx context.Context, timeout time.Duration) (sent, rows uint64) {
	b.fleet.flush(timeout)
	sent = b.fleet.stats().Sent
	deadline := time.Now().Add(timeout)
	stable := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n, err := b.pipelineRows(ctx)
		if err == nil {
			if n == rows {
				stable++
			} else {
				stable = 0
			}
			rows = n
			if rows >= sent && stable >= 1 {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	return sent, rows
}

// saveProfiles fetches a CPU profile (for d) and a heap profile from the
// collector's pprof extension.
func (b *bencher) saveProfiles(d time.Duration) error {
	if err := os.MkdirAll(b.cfg.profileDir, 0o755); err != nil {
		return err
	}
	base := b.pprofBase()
	var errs []error
	for _, p := range []struct{ url, file string }{
		{fmt.Sprintf("%sprofile?seconds=%d", base, int(d.Seconds())), "collector.cpu.pprof"},
		{base + "heap", "collector.heap.pprof"},
		{base + "allocs", "collector.allocs.pprof"},
	} {
		if err := fetch(p.url, filepath.Join(b.cfg.profileDir, p.file)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// saveCPUProfile fetches a CPU profile of the collector over d (whole
// seconds, at least one) into file in the profile directory.
func (b *bencher) saveCPUProfile(d time.Duration, file string) error {
	if err := os.MkdirAll(b.cfg.profileDir, 0o755); err != nil {
		return err
	}
	sec := max(int(d.Seconds()), 1)
	return fetch(fmt.Sprintf("%sprofile?seconds=%d", b.pprofBase(), sec), filepath.Join(b.cfg.profileDir, file))
}

func (b *bencher) pprofBase() string {
	return fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", b.cfg.pprofPort)
}
