// The measured phases: sustained rate, latency at a fraction of it, and
// memory under overload.

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

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
	// PollP50Ms and PollP99Ms are how long the polls took: a probe is seen
	// at the start of the first poll after it became visible, so up to
	// max(PollMs, a poll's time) late.
	PollP50Ms float64 `json:"poll_p50_ms"`
	PollP99Ms float64 `json:"poll_p99_ms"`
	// FSCreateUsPerFile is the time to create a file just before the
	// phase (see fsCreateProbe): ClickHouse's inserts follow it.
	FSCreateUsPerFile float64 `json:"fs_create_us_per_file"`
	// Cores is the CPU each process used while probes were sent; Inserts
	// and InsertMs the exporter's inserts then (count, mean duration).
	Cores    map[string]float64 `json:"cores_used"`
	Inserts  float64            `json:"inserts"`
	InsertMs float64            `json:"insert_ms_mean"`
}

// latency runs a fixed load and sends a probe event every 20 ms, stamped with
// its creation time; a poller looks for probes every 50 ms. A probe's latency
// is the start of the first poll that sees it minus its timestamp (so it is
// over-estimated by at most one poll interval).
func (b *bencher) latency(ctx context.Context, rate float64) (*latencyResult, error) {
	c := b.cfg
	b.phase.Store("latency")
	logf("phase latency: %.0f events/s for %s, probes every 20ms", rate, c.latDur)
	const probeEvery, pollEvery = 20 * time.Millisecond, 50 * time.Millisecond
	// Probes are sent for latDur; the load goes on until the last probe is
	// seen, so that every probe travels at the phase's load (when the load
	// stops, the SDK's last, partly filled batches wait for its flush
	// timer, and probes in them measured that instead).
	lctx, cancel := context.WithTimeout(ctx, c.latDur)
	defer cancel()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var sent sync.Map
	var nProbes atomic.Int64
	var wg, load sync.WaitGroup
	c0, _ := b.partRows(ctx)
	t0 := time.Now()
	meter, m0 := newCPUMeter(b.pids), b.col.metrics()
	var cores, m1 map[string]float64
	load.Go(func() { b.fleet.run(loadCtx, rate, true) })
	wg.Go(func() { b.fleet.probeLoop(lctx, probeEvery, &sent, &nProbes) })

	seen := map[uint64]float64{}
	q := fmt.Sprintf("SELECT timestamp_ns FROM %s.events WHERE service = '%s'", b.db, serviceProbe)
	// The poll reads the same parts again and again: from ClickHouse's cache
	// of decompressed blocks, and on one thread. Without them, polling 20
	// times a second was about 10% of ClickHouse's CPU in this phase (perf:
	// decompressing each part's blocks of service and timestamp_ns every
	// time), competing with the inserts it measures, and a poll slower than
	// pollEvery makes the measure later still.
	pollCtx := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"use_uncompressed_cache": 1, "max_threads": 1}))
	pollDeadline := time.Time{}
	var polls []float64
	var achieved float64
	for {
		tq := time.Now()
		if lctx.Err() != nil {
			if pollDeadline.IsZero() {
				wg.Wait()
				cores, m1 = meter.cores(), b.col.metrics()
				c1, _ := b.partRows(ctx)
				achieved = float64(c1-c0) / time.Since(t0).Seconds()
				pollDeadline = time.Now().Add(10 * time.Second)
			}
			if len(seen) >= int(nProbes.Load()) || time.Now().After(pollDeadline) || ctx.Err() != nil {
				break
			}
		}
		rows, err := b.conn.Query(pollCtx, q)
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
		polls = append(polls, float64(time.Since(tq))/1e6)
		if d := pollEvery - time.Since(tq); d > 0 {
			time.Sleep(d)
		}
	}
	stopLoad()
	load.Wait()
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
		Cores: cores,
	}
	sort.Float64s(polls)
	r.PollP50Ms, r.PollP99Ms = round1(pct(polls, 0.5)), round1(pct(polls, 0.99))
	const insCount, insSum = "otelcol_exporter_aires_clickhouse_insert_duration_count", "otelcol_exporter_aires_clickhouse_insert_duration_sum"
	if n := m1[insCount] - m0[insCount]; n > 0 {
		r.Inserts, r.InsertMs = n, round1((m1[insSum]-m0[insSum])/n*1000)
	}
	logf("  latency: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms over %d probes (%d missing), %.0f events/s achieved; cores used %v, %.0f inserts of %.0f ms on average, polls of %.0f ms (p50) and %.0f ms (p99)",
		r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.Probes, r.Missing, r.AchievedPerSec, r.Cores, r.Inserts, r.InsertMs, r.PollP50Ms, r.PollP99Ms)
	b.drain(ctx, 60*time.Second)
	return r, nil
}

type overloadResult struct {
	OfferedPerSec float64 `json:"offered_events_per_sec"`
	TargetPerSec  float64 `json:"target_events_per_sec"`
	InClickHouse  float64 `json:"stored_events_per_sec"`
	Seconds       float64 `json:"seconds"`
	RSSMaxMB      float64 `json:"collector_rss_mb_max"` // sampled VmRSS, overload and drain
	HWMMB         float64 `json:"collector_vmhwm_mb"`   // VmHWM: the peak over the whole run
	HWMBeforeMB   float64 `json:"collector_vmhwm_before_overload_mb"`
	// Cores is each process's CPU over the phase, as in the sustained
	// phase: the load generator's share is taken from the other two.
	Cores          map[string]float64 `json:"cores_used"`
	CollectorCPUUs float64            `json:"collector_cpu_us_per_stored_event"`
	SDKEnqueued    uint64             `json:"sdk_enqueued_total"`
	SDKSent        uint64             `json:"sdk_sent_total"`
	SDKDropped     uint64             `json:"sdk_dropped_total"`
	SDKFailed      uint64             `json:"sdk_failed_total"`
	RowsStored     uint64             `json:"rows_stored_total"`
	AckedLost      uint64             `json:"acknowledged_lost"`
	Refused        float64            `json:"collector_refused_log_records"`
	EnqueueFailed  float64            `json:"exporter_enqueue_failed_log_records"`
	ExporterFailed float64            `json:"exporter_send_failed_log_records"`
}

// overload offers overFactor x the sustained rate without pacing (the SDK
// drops what it cannot queue, as in an application), samples the collector's
// RSS, then shuts the SDK down and checks that every acknowledged event of
// the whole run is in ClickHouse. The stored rate is counted over the window
// after the same warm-up as the sustained phase's, which it is compared
// with: counted from the first second, it would include the pipeline's
// filling up (no row is stored in the first few hundred milliseconds).
func (b *bencher) overload(ctx context.Context, rate float64) (*overloadResult, error) {
	c := b.cfg
	b.phase.Store("overload")
	logf("phase overload: %.0f events/s offered (%.1fx sustained) for %s warm-up + %s window, unpaced", rate, c.overFactor, c.warmup, c.overDur)
	lctx, cancel := context.WithTimeout(ctx, c.warmup+c.overDur)
	defer cancel()
	var wg sync.WaitGroup
	r := &overloadResult{TargetPerSec: round0(rate)}
	_, r.HWMBeforeMB = procMem(b.col.pid())
	wg.Go(func() { b.fleet.run(lctx, rate, false) })
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
	sleepCtx(lctx, c.warmup)
	p0, _ := b.partRows(ctx)
	c0, t0 := b.fleet.offered.Load(), time.Now()
	meter := newCPUMeter(b.pids)
	<-lctx.Done()
	el := time.Since(t0).Seconds()
	p1, _ := b.partRows(ctx)
	c1 := b.fleet.offered.Load()
	wg.Wait()
	r.Seconds = round2(el)
	r.OfferedPerSec = round0(float64(c1-c0) / el)
	r.InClickHouse = round0(float64(p1-p0) / el)
	r.Cores = meter.cores()
	if r.InClickHouse > 0 {
		r.CollectorCPUUs = round2(r.Cores["collector"] * 1e6 / r.InClickHouse)
	}
	b.phase.Store("drain")
	logf("  overload: offered %.0f/s, stored %.0f/s during the phase, cores used %v; draining", r.OfferedPerSec, r.InClickHouse, r.Cores)
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
