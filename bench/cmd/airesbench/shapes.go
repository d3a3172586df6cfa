// The shapes phase: collector CPU per event, side by side with the stock
// collector, for three event shapes.

package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	aires "github.com/aires-dev/aires/sdk"

	"github.com/aires-dev/aires/internal/collectortest"
)

// serviceShapes is the service of the OTLP records of the shapes phase.
const serviceShapes = "aires-bench-shapes"

// eventShape is one event of the side-by-side comparison: so many string
// attributes and a message of so many bytes. Cost grows with the event, so
// a small, a wide and a large one are measured.
type eventShape struct {
	Name      string `json:"name"`
	Attrs     int    `json:"attributes"`
	BodyBytes int    `json:"message_bytes"`
}

var eventShapes = []eventShape{
	{Name: "small", Attrs: 4, BodyBytes: 20},
	{Name: "wide", Attrs: 40, BodyBytes: 20},
	{Name: "large", Attrs: 4, BodyBytes: 2048},
}

// shapeResult is one shape's three runs at the same rate: CPU of the
// receiving collector per event it accepted.
type shapeResult struct {
	eventShape
	RatePerSec float64 `json:"rate_events_per_sec"`
	// The OTLP requests of the OTLP and stock runs: log records per
	// request (-otlp-batch, cut at 1 MiB) and compression
	// (-otlp-compression).
	OTLPRecordsPerRequest int    `json:"otlp_records_per_request"`
	OTLPCompression       string `json:"otlp_compression"`
	// SDK -> aires receiver -> aires_transform -> aires_clickhouse, with the
	// SDK's compression (-sdk-compression).
	Native shapeRun `json:"aires_native"`
	// The same with gzip, as the Node and Python SDKs send (when
	// -sdk-compression is not gzip already).
	NativeGzip *shapeRun `json:"aires_native_gzip,omitempty"`
	// OTLP -> otlp receiver -> aires_transform -> aires_clickhouse.
	OTLP shapeRun `json:"aires_otlp"`
	// OTLP -> otlp receiver -> batch -> nop, the stock collector, measured
	// at the same time as each of the runs above (so its rounds are theirs
	// in turn: native, native with gzip, OTLP, native, ...).
	Stock shapeRun `json:"stock"`
	// The ratios are the medians of the ratios of each run above to the
	// stock run measured at the same time.
	NativeVsStock     float64 `json:"native_vs_stock"`
	OTLPVsStock       float64 `json:"otlp_vs_stock"`
	NativeGzipVsStock float64 `json:"native_gzip_vs_stock,omitempty"`
}

type shapeRun struct {
	UsPerEvent  float64 `json:"collector_cpu_us_per_event"`
	AcceptedSec float64 `json:"accepted_events_per_sec"`
	Failed      uint64  `json:"failed_events"`
	// Rounds are the CPU per event of every round, in order; the figures
	// above are the median round's (failed events: all rounds').
	Rounds []float64 `json:"rounds_us_per_event,omitempty"`
}

// medianRatio is the median (the lower middle one of an even number) of
// the ratios of runs to base, round by round.
func medianRatio(runs, base []shapeRun) float64 {
	var ratios []float64
	for i := range min(len(runs), len(base)) {
		ratios = append(ratios, ratio(runs[i].UsPerEvent, base[i].UsPerEvent))
	}
	if len(ratios) == 0 {
		return 0
	}
	slices.Sort(ratios)
	return ratios[(len(ratios)-1)/2]
}

// pairs are the runs of one Aires configuration and the stock collector's
// runs measured at the same time, in the same order.
type pairs struct{ aires, stock []shapeRun }

// medianRun is the run of median CPU per event among runs (the lower
// middle one of an even number), with every round's figure and the failed
// events of all.
func medianRun(runs []shapeRun) shapeRun {
	if len(runs) == 0 {
		return shapeRun{}
	}
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b shapeRun) int { return cmp.Compare(a.UsPerEvent, b.UsPerEvent) })
	m := sorted[(len(sorted)-1)/2]
	m.Rounds, m.Failed = nil, 0
	for _, r := range runs {
		m.Rounds = append(m.Rounds, r.UsPerEvent)
		m.Failed += r.Failed
	}
	return m
}

// stockConfig is the stock collector's configuration: what an operator of
// the upstream collector runs, with the bench's telemetry settings.
const stockConfig = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.OTLPPort}}
processors:
  batch:
exporters:
  nop:
service:
  extensions: [health_check]
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {{.MetricsPort}}
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [nop]
`

// startStock starts the stock collector and returns it with its OTLP port.
func startStock(bin, dir string) (*collectortest.Process, int, error) {
	var ports struct{ HealthPort, OTLPPort, MetricsPort int }
	for _, p := range []*int{&ports.HealthPort, &ports.OTLPPort, &ports.MetricsPort} {
		port, err := collectortest.FreePort()
		if err != nil {
			return nil, 0, err
		}
		*p = port
	}
	var cfg bytes.Buffer
	if err := template.Must(template.New("stock").Parse(stockConfig)).Execute(&cfg, ports); err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	logFile, err := os.Create(filepath.Join(dir, "stock-collector.log"))
	if err != nil {
		return nil, 0, err
	}
	defer logFile.Close()
	proc, err := collectortest.Start(bin, dir, cfg.String(), ports.HealthPort, logFile, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("start the stock collector %s (make stock-collector builds it): %w", bin, err)
	}
	return proc, ports.OTLPPort, nil
}

// shapes measures every event shape in three runs at the same rate.
func (b *bencher) shapes(ctx context.Context, dir string) ([]shapeResult, error) {
	c := b.cfg
	b.phase.Store("shapes")
	wanted := strings.Split(c.shapeNames, ",")
	for _, name := range wanted {
		if !slices.ContainsFunc(eventShapes, func(s eventShape) bool { return s.Name == name }) {
			return nil, fmt.Errorf("-shapes: no event shape %q (the shapes are small, wide and large)", name)
		}
	}
	stock, stockPort, err := startStock(c.stockCollector, filepath.Join(dir, "stock"))
	if err != nil {
		return nil, err
	}
	defer stock.Stop(10 * time.Second)
	airesOTLP, err := newOTLPSender(fmt.Sprintf("127.0.0.1:%d", b.col.OTLPPort), c.otlpCompression)
	if err != nil {
		return nil, err
	}
	defer airesOTLP.close()
	stockOTLP, err := newOTLPSender(fmt.Sprintf("127.0.0.1:%d", stockPort), c.otlpCompression)
	if err != nil {
		return nil, err
	}
	defer stockOTLP.close()

	var out []shapeResult
	for _, s := range eventShapes {
		if !slices.Contains(wanted, s.Name) {
			continue
		}
		req := otlpRequest(s, c.otlpBatch)
		r := shapeResult{eventShape: s, RatePerSec: c.shapeRate,
			OTLPRecordsPerRequest: req.Logs().LogRecordCount(), OTLPCompression: c.otlpCompression}
		logf("phase shapes: %s (%d attributes, %d-byte message) at %.0f events/s: SDK -> aires, OTLP -> aires, OTLP -> stock (%d records per request, compression %s); %d rounds of %s + %s each",
			s.Name, s.Attrs, s.BodyBytes, c.shapeRate, r.OTLPRecordsPerRequest, r.OTLPCompression, c.shapeRounds, c.shapeWarmup, c.shapeWin)
		// every is the stock collector's runs in the order they were made.
		var native, gzipped, otlp pairs
		var every []shapeRun
		stockLoad := runLoad{pid: stock.Pid(), run: func(ctx context.Context, acc, failed *atomic.Uint64) {
			stockOTLP.run(ctx, req, c.shapeRate, 2, acc, failed)
		}}
		// Each Aires run is measured at the same time as a run of the stock
		// collector (the stock collector has no pprof extension: no
		// profile), so that a slow stretch of the machine weighs on both
		// sides of its ratio; and each round runs every configuration once.
		// Each configuration's figure is its median round.
		for round := range c.shapeRounds {
			// Only the first round saves profiles, as
			// shapes.<shape>.<path>.cpu.pprof.
			profile := func(path string) string {
				if round > 0 {
					return ""
				}
				return "shapes." + s.Name + "." + path
			}
			beside := func(p *pairs) func(runLoad) error {
				return func(aires runLoad) error {
					runs := b.measureRuns(ctx, aires, stockLoad)
					if stock.Exited() != nil {
						return fmt.Errorf("the stock collector exited during the shapes phase (log in %s)", filepath.Join(dir, "stock"))
					}
					p.aires, p.stock = append(p.aires, runs[0]), append(p.stock, runs[1])
					every = append(every, runs[1])
					return nil
				}
			}
			if err := b.shapeNative(s, c.sdkCompression, profile("native"), beside(&native)); err != nil {
				return nil, err
			}
			if c.sdkCompression != aires.CompressionGzip {
				if err := b.shapeNative(s, aires.CompressionGzip, profile("native-gzip"), beside(&gzipped)); err != nil {
					return nil, err
				}
			}
			err := beside(&otlp)(runLoad{pid: b.col.pid(), profile: profile("otlp"), run: func(ctx context.Context, acc, failed *atomic.Uint64) {
				airesOTLP.run(ctx, req, c.shapeRate, 2, acc, failed)
			}})
			if err != nil {
				return nil, err
			}
		}
		r.Native, r.OTLP, r.Stock = medianRun(native.aires), medianRun(otlp.aires), medianRun(every)
		// A ratio is the median of its pairs' ratios: each Aires run
		// against the stock run measured at the same time.
		r.NativeVsStock = medianRatio(native.aires, native.stock)
		r.OTLPVsStock = medianRatio(otlp.aires, otlp.stock)
		if len(gzipped.aires) > 0 {
			g := medianRun(gzipped.aires)
			r.NativeGzip = &g
			r.NativeGzipVsStock = medianRatio(gzipped.aires, gzipped.stock)
		}
		logf("  %s: collector CPU per event (median of %d rounds): aires native %.1f us %v, aires OTLP %.1f us %v, stock %.1f us %v (beside each in turn; native/stock %.2f, OTLP/stock %.2f, medians of the pairs' ratios)%s",
			s.Name, c.shapeRounds, r.Native.UsPerEvent, r.Native.Rounds, r.OTLP.UsPerEvent, r.OTLP.Rounds, r.Stock.UsPerEvent, r.Stock.Rounds,
			r.NativeVsStock, r.OTLPVsStock, r.gzipNote())
		out = append(out, r)
	}
	return out, nil
}

// gzipNote is the native run with gzip, for the log line.
func (r *shapeResult) gzipNote() string {
	if r.NativeGzip == nil {
		return ""
	}
	return fmt.Sprintf("; aires native with gzip %.1f us (%.2f)", r.NativeGzip.UsPerEvent, r.NativeGzipVsStock)
}

// shapeNative sends shape s from SDK clients to the Aires collector, with
// the SDK's compression, and measures it with measure; profile names its
// profile (see measureRuns).
func (b *bencher) shapeNative(s eventShape, compression, profile string, measure func(runLoad) error) error {
	c := b.cfg
	t := &evTemplate{sev: aires.SeverityInfo, msg: shapeMessage(s.BodyBytes)}
	for _, kv := range shapeAttrs(s.Attrs) {
		t.str(kv[0], kv[1])
	}
	f, err := newFleet(fmt.Sprintf("127.0.0.1:%d", b.col.AiresPort), 2, 1, c.sdk(compression), []*evTemplate{t})
	if err != nil {
		return err
	}
	defer f.shutdown(5 * time.Second)
	return measure(runLoad{pid: b.col.pid(), profile: profile, run: func(ctx context.Context, acc, failed *atomic.Uint64) {
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				st := f.stats()
				acc.Store(st.Sent)
				failed.Store(st.Failed + st.Dropped)
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		f.run(ctx, c.shapeRate, true)
		close(done)
	}})
}

// runLoad is one collector's side of a measured run: its process, the load
// that drives it (reporting accepted and failed events as it goes) and the
// name of its CPU profile ("" takes none).
type runLoad struct {
	pid     int
	profile string
	run     func(ctx context.Context, accepted, failed *atomic.Uint64)
}

// measureRuns runs every load at once until the window ends and returns,
// for each, the CPU its process used per event accepted in the window
// (after the warm-up). With -pprof-port and -profile-dir, a CPU profile of
// the Aires collector over the window is saved as <profile>.cpu.pprof.
func (b *bencher) measureRuns(ctx context.Context, loads ...runLoad) []shapeRun {
	c := b.cfg
	// Start from a quiet ClickHouse: the merges of the previous run's
	// inserts would otherwise share the cores with this one.
	if err := b.settle(ctx); err != nil {
		logf("  settle: %v", err)
	}
	type counters struct{ accepted, failed atomic.Uint64 }
	cs := make([]counters, len(loads))
	lctx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	for i, l := range loads {
		running.Go(func() { l.run(lctx, &cs[i].accepted, &cs[i].failed) })
	}
	sleepCtx(ctx, c.shapeWarmup)
	type snapshot struct {
		accepted, failed uint64
		cpu              time.Duration
	}
	take := func() []snapshot {
		s := make([]snapshot, len(loads))
		for i, l := range loads {
			s[i] = snapshot{cs[i].accepted.Load(), cs[i].failed.Load(), procCPU(l.pid)}
		}
		return s
	}
	s0, t0 := take(), time.Now()
	var profWG sync.WaitGroup
	for _, l := range loads {
		if l.profile != "" && c.pprofPort != 0 && c.profileDir != "" {
			profWG.Go(func() {
				if err := b.saveCPUProfile(c.shapeWin-time.Second, l.profile+".cpu.pprof"); err != nil {
					logf("  profile %s: %v", l.profile, err)
				}
			})
		}
	}
	sleepCtx(ctx, c.shapeWin)
	s1, el := take(), time.Since(t0).Seconds()
	cancel()
	running.Wait()
	profWG.Wait()
	out := make([]shapeRun, len(loads))
	for i, l := range loads {
		// Let each collector finish what it took (the inserts of what it
		// accepted) before the next run starts measuring: a backlog would
		// be charged to the next run.
		waitIdle(ctx, l.pid, 30*time.Second)
		r := shapeRun{Failed: s1[i].failed - s0[i].failed}
		if n := s1[i].accepted - s0[i].accepted; n > 0 {
			r.UsPerEvent = round2(float64(s1[i].cpu-s0[i].cpu) / float64(time.Microsecond) / float64(n))
			r.AcceptedSec = round0(float64(n) / el)
		}
		out[i] = r
	}
	return out
}

// waitIdle waits until process pid uses less than 5% of a core over 200 ms
// (twice in a row), at least a second and at most limit.
func waitIdle(ctx context.Context, pid int, limit time.Duration) {
	start := time.Now()
	if !sleepCtx(ctx, time.Second) {
		return
	}
	const every = 200 * time.Millisecond
	quiet := 0
	for quiet < 2 && time.Since(start) < limit {
		before := procCPU(pid)
		if !sleepCtx(ctx, every) {
			return
		}
		if procCPU(pid)-before < every/20 {
			quiet++
		} else {
			quiet = 0
		}
	}
}
