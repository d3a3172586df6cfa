// Command airesbench measures the whole Aires path on the machine it runs on
// and writes a report: the raw ClickHouse insert ceiling, SDK -> collector ->
// ClickHouse throughput and latency, collector memory under overload, and the
// SDK against zap, log/slog and the OTel logs SDK.
//
//	make bench                   # full run (under 10 minutes on 2 cores)
//	BENCH_QUICK=1 make bench     # short run (under 2 minutes)
//
// It starts its own ClickHouse (internal/chtest, free loopback ports, data in
// a temporary directory) and the ocb-built collector with a generated config.
// Timings are measured, never asserted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chtest"
)

type config struct {
	quick     bool
	out       string
	collector string
	root      string
	keep      bool
	skipSDK   bool
	phases    string

	clients, goroutines int
	gzip                bool
	exp                 exporterSettings
	memLimitMiB         int
	rawBatch, rawWriter int

	sdkBenchtime string
	sdkCount     int
	rawDur       time.Duration
	warmup, win  time.Duration
	latDur       time.Duration
	overDur      time.Duration
	overFactor   float64
	latLoad      float64

	sdkBatch int

	pprofPort    int
	collectorEnv string
	profileDir   string
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func main() {
	if err := run(); err != nil {
		logf("airesbench: %v", err)
		os.Exit(1)
	}
}

func run() error {
	var c config
	quickEnv := os.Getenv("BENCH_QUICK")
	c.quick = quickEnv != "" && quickEnv != "0"
	flag.BoolVar(&c.quick, "quick", c.quick, "short run (also BENCH_QUICK=1)")
	defOut := "results/latest.json"
	if c.quick {
		defOut = "results/quick.json"
	}
	flag.StringVar(&c.out, "out", envOr("BENCH_OUT", defOut), "JSON report path (also BENCH_OUT; default results/latest.json, results/quick.json with BENCH_QUICK); a .details.json and a .png are written beside it")
	flag.StringVar(&c.collector, "collector", os.Getenv("AIRES_COLLECTOR"), "ocb-built collector binary (default build/aires-collector/aires-collector)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory (ClickHouse data, collector config and log)")
	flag.BoolVar(&c.skipSDK, "skip-sdk", false, "skip the bench/sdkcompare benchmarks")
	flag.StringVar(&c.phases, "phases", "raw,sustained,latency,overload", "phases to run")
	flag.IntVar(&c.clients, "clients", 4, "SDK clients (application instances)")
	flag.IntVar(&c.goroutines, "goroutines", 2, "producer goroutines per client")
	flag.BoolVar(&c.gzip, "gzip", true, "SDK gzip compression (the SDK default)")
	flag.IntVar(&c.exp.MinBatch, "min-batch", 40000, "exporter sending_queue.batch.min_size")
	flag.IntVar(&c.exp.MaxBatch, "max-batch", 50000, "exporter sending_queue.batch.max_size")
	flag.DurationVar(&c.exp.FlushTimeout, "flush-timeout", 500*time.Millisecond, "exporter sending_queue.batch.flush_timeout")
	flag.IntVar(&c.exp.Consumers, "consumers", 2, "exporter sending_queue.num_consumers")
	flag.IntVar(&c.exp.QueueSize, "queue-size", 200000, "exporter sending_queue.queue_size (items)")
	flag.StringVar(&c.exp.QueueMode, "queue-mode", "memory", "what the collector's acknowledgement means: "+strings.Join(queueModes, ", ")+" (sending_queue in memory, on file_storage, or wait_for_result: answered after the insert); several, comma-separated, run one after the other and are compared")
	flag.IntVar(&c.sdkBatch, "sdk-batch-size", 0, "SDK Config.BatchSize, events per request (0: the SDK default)")
	flag.IntVar(&c.memLimitMiB, "memory-limit-mib", 1024, "memory_limiter limit_mib in front of aires_transform, spike 20% (0: no memory_limiter)")
	flag.IntVar(&c.rawBatch, "raw-batch", 0, "rows per raw insert (default: max-batch)")
	flag.IntVar(&c.rawWriter, "raw-writers", 2, "raw insert goroutines")
	flag.Float64Var(&c.overFactor, "overload", 3, "overload factor over the sustained rate")
	flag.Float64Var(&c.latLoad, "latency-load", 0.7, "latency phase load as a fraction of the sustained rate")
	flag.StringVar(&c.collectorEnv, "collector-env", "", "extra environment for the collector, comma-separated (e.g. GOGC=200)")
	flag.IntVar(&c.pprofPort, "pprof-port", 0, "enable the collector's pprof extension on this port (needs a binary with it) and save profiles")
	flag.StringVar(&c.profileDir, "profile-dir", "", "where to save collector profiles (with -pprof-port)")
	flag.Parse()
	modes, err := parseQueueModes(c.exp.QueueMode)
	if err != nil {
		return err
	}
	if c.rawBatch == 0 {
		c.rawBatch = c.exp.MaxBatch
	}
	if c.quick {
		c.sdkBenchtime, c.sdkCount = "300ms", 1
		c.rawDur, c.warmup, c.win, c.latDur, c.overDur = 6*time.Second, 3*time.Second, 8*time.Second, 10*time.Second, 10*time.Second
	} else {
		c.sdkBenchtime, c.sdkCount = "1s", 3
		c.rawDur, c.warmup, c.win, c.latDur, c.overDur = 20*time.Second, 10*time.Second, 30*time.Second, 30*time.Second, 30*time.Second
	}
	root, err := chtest.RepoRoot()
	if err != nil {
		return err
	}
	c.root = root
	if c.collector == "" {
		c.collector = filepath.Join(root, "build", "aires-collector", "aires-collector")
	}
	if _, err := os.Stat(c.collector); err != nil {
		return fmt.Errorf("collector binary %s: %w (run `make build`)", c.collector, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runModes(ctx, &c, modes)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (c *config) has(phase string) bool {
	for _, p := range strings.Split(c.phases, ",") {
		if strings.TrimSpace(p) == phase {
			return true
		}
	}
	return false
}

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
	d.Clients, d.Goroutines, d.Gzip, d.SDKBatchSize = c.clients, c.goroutines, c.gzip, c.sdkBatch

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
		rep.SDKGRPCEventsPerSec = get("BenchmarkThroughput/gzip", "events/s")
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
	logf("starting ClickHouse")
	ch, err := chtest.StartServer(filepath.Join(dir, "clickhouse"))
	if err != nil {
		return nil, fmt.Errorf("start ClickHouse: %w", err)
	}
	defer func() { _ = ch.Stop() }()
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
	if pid, err := os.ReadFile(filepath.Join(ch.Dir, "server.pid")); err == nil {
		var p int
		if _, err := fmt.Sscan(string(pid), &p); err == nil {
			b.pids["clickhouse"] = p
		}
	}
	tmpls := makeTemplates(4096)
	sctx, stopSampler := context.WithCancel(ctx)
	defer stopSampler()
	go b.sampler(sctx)

	if c.has("raw") {
		b.phase.Store("raw")
		logf("phase raw: native insert, %d-row batches, %d writers, %s", c.rawBatch, c.rawWriter, c.rawDur)
		r, err := rawInsert(ctx, opts, b.db, tmpls, c.rawBatch, c.rawWriter, c.rawDur, b.pids)
		if err != nil {
			return nil, err
		}
		d.Raw = &r
		rep.RawInsertRowsPerSec = round0(r.RowsPerSec)
		logf("  raw: %.0f rows/s (cores used %v)", r.RowsPerSec, r.Cores)
		if err := b.settle(ctx, true); err != nil {
			return nil, err
		}
	}

	f, err := newFleet(fmt.Sprintf("127.0.0.1:%d", col.AiresPort), c.clients, c.goroutines, c.sdkBatch, tmpls, c.gzip)
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
		if err := b.settle(ctx, false); err != nil {
			return nil, err
		}
		l, err := b.latency(ctx, c.latLoad*rate)
		if err != nil {
			return nil, err
		}
		d.Latency = l
		rep.E2ELatencyP50Ms, rep.E2ELatencyP99Ms = l.P50Ms, l.P99Ms
	}
	if c.has("overload") {
		o, err := b.overload(ctx, c.overFactor*rate)
		if err != nil {
			return nil, err
		}
		d.Overload = o
		rep.CollectorRSSMBMax = o.RSSMaxMB
	}
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

// partRows is the number of rows in active parts: visible rows, cheap to read.
// settle waits (at most 30 s, 10 s quick) until ClickHouse has no merge
// running, so the merges a phase leaves behind are not charged to the next
// one. After the raw phase (truncate) its rows are dropped first: left in the
// table, they would be merged again with the pipeline's parts.
func (b *bencher) settle(ctx context.Context, truncate bool) error {
	start := time.Now()
	if truncate {
		if err := b.conn.Exec(ctx, fmt.Sprintf("TRUNCATE TABLE %s.events", b.db)); err != nil {
			return fmt.Errorf("drop the raw phase's rows: %w", err)
		}
	}
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

func (b *bencher) partRows(ctx context.Context) (uint64, error) {
	var n uint64
	err := b.conn.QueryRow(ctx, "SELECT toUInt64(sum(rows)) FROM system.parts WHERE database = ? AND table = 'events' AND active", b.db).Scan(&n)
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
		if !b.lastT.IsZero() {
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

type sustainedResult struct {
	EventsPerSec    float64            `json:"events_per_sec"`
	SDKSentPerSec   float64            `json:"sdk_sent_per_sec"`
	WindowSec       float64            `json:"window_sec"`
	Cores           map[string]float64 `json:"cores_used"`
	CollectorCPUUs  float64            `json:"collector_cpu_us_per_event"`
	ClickHouseCPUUs float64            `json:"clickhouse_cpu_us_per_event"`
	SDKCPUUs        float64            `json:"bench_process_cpu_us_per_event"`
}

// sustained drives the pipeline as fast as it takes events (producers paced
// on the SDK backlog, nothing dropped) and counts what lands in ClickHouse
// over the window after a warm-up.
func (b *bencher) sustained(ctx context.Context) (*sustainedResult, error) {
	c := b.cfg
	b.phase.Store("sustained")
	logf("phase sustained: %d clients x %d goroutines at full speed, %s warm-up + %s window", c.clients, c.goroutines, c.warmup, c.win)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.fleet.run(lctx, 0, true); close(done) }()
	defer func() { cancel(); <-done }()
	if !sleepCtx(ctx, c.warmup) {
		return nil, ctx.Err()
	}
	c1, err := b.partRows(ctx)
	if err != nil {
		return nil, err
	}
	t1, st1 := time.Now(), b.fleet.stats()
	meter := newCPUMeter(b.pids)
	var profErr error
	var profWG sync.WaitGroup
	if c.profileDir != "" {
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return nil, fmt.Errorf("profile directory: %w", err)
		}
	}
	if c.pprofPort != 0 && c.profileDir != "" {
		profWG.Go(func() { profErr = b.saveProfiles(c.win - 2*time.Second) })
	}
	if c.profileDir != "" { // the SDK side: this process
		if f, err := os.Create(filepath.Join(c.profileDir, "airesbench.cpu.pprof")); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
		}
	}
	if !sleepCtx(ctx, c.win) {
		return nil, ctx.Err()
	}
	c2, err := b.partRows(ctx)
	if err != nil {
		return nil, err
	}
	el := time.Since(t1).Seconds()
	cores := meter.cores()
	st2 := b.fleet.stats()
	cancel()
	<-done
	profWG.Wait()
	if profErr != nil {
		logf("  profiles: %v", profErr)
	}
	r := &sustainedResult{
		EventsPerSec:  float64(c2-c1) / el,
		SDKSentPerSec: round0(float64(st2.Sent-st1.Sent) / el),
		WindowSec:     round2(el),
		Cores:         cores,
	}
	if r.EventsPerSec > 0 {
		r.CollectorCPUUs = round2(cores["collector"] * 1e6 / r.EventsPerSec)
		r.ClickHouseCPUUs = round2(cores["clickhouse"] * 1e6 / r.EventsPerSec)
		r.SDKCPUUs = round2(cores["airesbench"] * 1e6 / r.EventsPerSec)
	}
	logf("  sustained: %.0f events/s in ClickHouse (SDK acknowledged %.0f/s), cores used %v", r.EventsPerSec, r.SDKSentPerSec, cores)
	b.drain(ctx, 60*time.Second)
	return r, nil
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

type latencyResult struct {
	TargetPerSec   float64 `json:"target_events_per_sec"`
	AchievedPerSec float64 `json:"achieved_events_per_sec"`
	Probes         int     `json:"probes"`
	Missing        int     `json:"probes_missing"`
	P50Ms          float64 `json:"p50_ms"`
	P90Ms          float64 `json:"p90_ms"`
	P99Ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	PollMs         float64 `json:"poll_interval_ms"`
}

// latency runs a fixed load and sends a probe event every 20 ms, stamped with
// its creation time; a poller looks for probes every 50 ms. A probe's latency
// is the start of the first poll that sees it minus its timestamp (so it is
// over-estimated by at most one poll interval).
func (b *bencher) latency(ctx context.Context, rate float64) (*latencyResult, error) {
	c := b.cfg
	b.phase.Store("latency")
	logf("phase latency: %.0f events/s (%.0f%% of sustained) for %s, probes every 20ms", rate, 100*c.latLoad, c.latDur)
	const probeEvery, pollEvery = 20 * time.Millisecond, 50 * time.Millisecond
	lctx, cancel := context.WithTimeout(ctx, c.latDur)
	defer cancel()
	var sent sync.Map
	var nProbes atomic.Int64
	var wg sync.WaitGroup
	c0, _ := b.partRows(ctx)
	t0 := time.Now()
	wg.Go(func() { b.fleet.run(lctx, rate, true) })
	wg.Go(func() { b.fleet.probeLoop(lctx, probeEvery, &sent, &nProbes) })

	seen := map[uint64]float64{}
	q := fmt.Sprintf("SELECT timestamp_ns FROM %s.events WHERE service = '%s'", b.db, serviceProbe)
	pollDeadline := time.Time{}
	var achieved float64
	for {
		tq := time.Now()
		if lctx.Err() != nil {
			if pollDeadline.IsZero() {
				wg.Wait()
				c1, _ := b.partRows(ctx)
				achieved = float64(c1-c0) / time.Since(t0).Seconds()
				pollDeadline = time.Now().Add(10 * time.Second)
			}
			if len(seen) >= int(nProbes.Load()) || time.Now().After(pollDeadline) || ctx.Err() != nil {
				break
			}
		}
		rows, err := b.conn.Query(ctx, q)
		if err == nil {
			for rows.Next() {
				var ts uint64
				if rows.Scan(&ts) == nil {
					if _, ok := seen[ts]; !ok {
						if _, ours := sent.Load(ts); ours {
							ms := float64(tq.UnixNano()-int64(ts)) / 1e6
							seen[ts] = ms
							b.mu.Lock()
							b.lat = append(b.lat, latencySample{T: round2(time.Unix(0, int64(ts)).Sub(b.t0).Seconds()), Ms: round2(ms)})
							b.mu.Unlock()
						}
					}
				}
			}
			rows.Close()
		}
		if d := pollEvery - time.Since(tq); d > 0 {
			time.Sleep(d)
		}
	}
	var lats []float64
	for _, ms := range seen {
		lats = append(lats, ms)
	}
	missing := int(nProbes.Load()) - len(seen)
	for range missing { // a probe never seen counts as the whole wait
		lats = append(lats, 10000+c.latDur.Seconds()*1000)
	}
	sort.Float64s(lats)
	r := &latencyResult{
		TargetPerSec: round0(rate), AchievedPerSec: round0(achieved),
		Probes: int(nProbes.Load()), Missing: missing, PollMs: float64(pollEvery / time.Millisecond),
		P50Ms: round1(pct(lats, 0.50)), P90Ms: round1(pct(lats, 0.90)), P99Ms: round1(pct(lats, 0.99)), MaxMs: round1(pct(lats, 1)),
	}
	logf("  latency: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms over %d probes (%d missing), %.0f events/s achieved",
		r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.Probes, r.Missing, r.AchievedPerSec)
	b.drain(ctx, 60*time.Second)
	return r, nil
}

type overloadResult struct {
	OfferedPerSec  float64 `json:"offered_events_per_sec"`
	TargetPerSec   float64 `json:"target_events_per_sec"`
	InClickHouse   float64 `json:"stored_events_per_sec"`
	Seconds        float64 `json:"seconds"`
	RSSMaxMB       float64 `json:"collector_rss_mb_max"` // sampled VmRSS, overload and drain
	HWMMB          float64 `json:"collector_vmhwm_mb"`   // VmHWM: the peak over the whole run
	HWMBeforeMB    float64 `json:"collector_vmhwm_before_overload_mb"`
	SDKEnqueued    uint64  `json:"sdk_enqueued_total"`
	SDKSent        uint64  `json:"sdk_sent_total"`
	SDKDropped     uint64  `json:"sdk_dropped_total"`
	SDKFailed      uint64  `json:"sdk_failed_total"`
	RowsStored     uint64  `json:"rows_stored_total"`
	AckedLost      uint64  `json:"acknowledged_lost"`
	Refused        float64 `json:"collector_refused_log_records"`
	EnqueueFailed  float64 `json:"exporter_enqueue_failed_log_records"`
	ExporterFailed float64 `json:"exporter_send_failed_log_records"`
}

// overload offers overFactor x the sustained rate without pacing (the SDK
// drops what it cannot queue, as in an application), samples the collector's
// RSS, then shuts the SDK down and checks that every acknowledged event of
// the whole run is in ClickHouse.
func (b *bencher) overload(ctx context.Context, rate float64) (*overloadResult, error) {
	c := b.cfg
	b.phase.Store("overload")
	logf("phase overload: %.0f events/s offered (%.1fx sustained) for %s, unpaced", rate, c.overFactor, c.overDur)
	p0, _ := b.partRows(ctx)
	lctx, cancel := context.WithTimeout(ctx, c.overDur)
	defer cancel()
	var wg sync.WaitGroup
	var calls uint64
	t0 := time.Now()
	wg.Go(func() { calls = b.fleet.run(lctx, rate, false) })
	r := &overloadResult{TargetPerSec: round0(rate)}
	_, r.HWMBeforeMB = procMem(b.col.pid())
	// RSS is sampled from the start of the overload to the end of the drain
	// that follows it (the backlog is still in the collector then).
	var rssMax atomic.Uint64
	sampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			rss, _ := procMem(b.col.pid())
			if v := uint64(rss * 1024); v > rssMax.Load() {
				rssMax.Store(v)
			}
			select {
			case <-sampling:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	<-lctx.Done()
	wg.Wait()
	el := time.Since(t0).Seconds()
	p1, _ := b.partRows(ctx)
	r.Seconds = round2(el)
	r.OfferedPerSec = round0(float64(calls) / el)
	r.InClickHouse = round0(float64(p1-p0) / el)
	b.phase.Store("drain")
	logf("  overload: offered %.0f/s, stored %.0f/s during the phase; draining", r.OfferedPerSec, r.InClickHouse)
	// Deliver what the SDK still holds, then compare acknowledged with stored.
	b.fleet.shutdown(60 * time.Second)
	sent, rows := b.drain(ctx, 90*time.Second)
	close(sampling)
	sampler.Wait()
	r.RSSMaxMB = float64(rssMax.Load()) / 1024
	_, r.HWMMB = procMem(b.col.pid())
	r.RSSMaxMB, r.HWMMB = round1(r.RSSMaxMB), round1(r.HWMMB)
	st := b.fleet.stats()
	r.SDKEnqueued, r.SDKSent, r.SDKDropped, r.SDKFailed = st.Enqueued, sent, st.Dropped, st.Failed
	r.RowsStored = rows
	if sent > rows {
		r.AckedLost = sent - rows
	}
	m := b.col.metrics()
	// Counter names end in _total or not, depending on the exporter's settings.
	metric := func(name string) float64 { return m[name] + m[name+"_total"] }
	r.Refused = metric("otelcol_receiver_refused_log_records")
	r.EnqueueFailed = metric("otelcol_exporter_enqueue_failed_log_records")
	r.ExporterFailed = metric("otelcol_exporter_send_failed_log_records")
	logf("  overload: collector RSS max %.0f MiB (VmHWM %.0f MiB); SDK sent %d, dropped %d, failed %d; stored %d; acknowledged but lost %d; collector refused %.0f",
		r.RSSMaxMB, r.HWMMB, sent, st.Dropped, st.Failed, rows, r.AckedLost, r.Refused)
	return r, nil
}

// saveProfiles fetches a CPU profile (for d) and a heap profile from the
// collector's pprof extension.
func (b *bencher) saveProfiles(d time.Duration) error {
	if err := os.MkdirAll(b.cfg.profileDir, 0o755); err != nil {
		return err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", b.cfg.pprofPort)
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

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// filterMetrics keeps the collector's counters of log records, its queue and
// the aires components' own metrics.
func filterMetrics(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if strings.Contains(k, "aires") || strings.Contains(k, "log_records") || strings.Contains(k, "queue") {
			out[k] = v
		}
	}
	return out
}

func machineInfo() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %f kB", &kb); err == nil {
			m.MemGB = round1(kb / 1024 / 1024)
		}
	}
	if b, err := os.ReadFile("/etc/debian_version"); err == nil {
		m.OS += ", Debian " + strings.TrimSpace(string(b))
	}
	return m
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
