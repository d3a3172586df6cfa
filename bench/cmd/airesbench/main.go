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
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	aires "github.com/aires-dev/aires/sdk"

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
	replot    string

	clients, goroutines int
	sdkCompression      string
	exp                 exporterSettings
	memLimitMiB         int
	rawBatch, rawWriter int

	sdkBenchtime string
	sdkCount     int
	sdkCPURounds int // rounds of cmd/sdkcpu (each library once per round; medians)
	rawDur       time.Duration
	warmup, win  time.Duration
	latDur       time.Duration
	overDur      time.Duration
	overFactor   float64
	latLoad      float64
	latRate      float64

	sdkBatch int
	// sdkConcurrent is the SDK's Config.MaxConcurrentRequests (0: its default).
	sdkConcurrent int

	pprofPort    int
	collectorEnv string
	profileDir   string

	// The shapes phase: the stock collector beside Aires.
	stockCollector        string
	shapeRate             float64
	shapeNames            string
	shapeWarmup, shapeWin time.Duration
	shapeWinFlag          time.Duration
	warmupFlag, winFlag   time.Duration
	otlpBatch             int
	otlpCompression       string
	shapeRounds           int
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
	flag.StringVar(&c.replot, "replot", "", "draw the chart of an earlier run again from its report (results/latest.json and its .details.json) and exit")
	flag.StringVar(&c.phases, "phases", "raw,sustained,latency,overload,unlimited,shapes,idle", "phases to run")
	flag.StringVar(&c.stockCollector, "stock-collector", os.Getenv("AIRES_STOCK_COLLECTOR"), "ocb-built stock collector for the shapes phase (default build/stock-collector/stock-collector; make stock-collector)")
	flag.StringVar(&c.shapeNames, "shapes", "small,wide,large", "event shapes the shapes phase measures (a profile of one shape: -shapes small)")
	flag.DurationVar(&c.shapeWinFlag, "shape-window", 0, "measuring window of each run of the shapes phase (0: 8s, 5s with -quick); longer gives a profile more samples")
	flag.DurationVar(&c.warmupFlag, "warmup", 0, "warm-up of the sustained, unlimited and overload phases before their window (0: 10s, 3s with -quick)")
	flag.DurationVar(&c.winFlag, "window", 0, "measuring window of the sustained and unlimited phases (0: 30s, 8s with -quick)")
	flag.IntVar(&c.shapeRounds, "shape-rounds", 0, "rounds of the shapes phase, each running every configuration once; each figure is its median round (0: 3, 1 with -quick)")
	flag.IntVar(&c.otlpBatch, "otlp-batch", defaultOTLPBatch, "log records per OTLP request of the shapes phase (telemetrygen's 256; the OTel SDKs send up to 512, the Aires SDKs up to 2048), at most 1 MiB per request as the Aires SDKs")
	flag.StringVar(&c.otlpCompression, "otlp-compression", defaultOTLPCompression, "compression of the shapes phase's OTLP requests: none (telemetrygen's and the OTel SDKs' default) or gzip (a collector's otlp exporter's)")
	flag.Float64Var(&c.shapeRate, "shape-rate", 10000, "events/s of each run of the shapes phase (the same for Aires and the stock collector)")
	flag.IntVar(&c.clients, "clients", 4, "SDK clients (application instances)")
	flag.IntVar(&c.goroutines, "goroutines", 2, "producer goroutines per client")
	flag.StringVar(&c.sdkCompression, "sdk-compression", aires.DefaultCompression, "the SDK's Config.Compression: zstd (its default), gzip or none")
	flag.IntVar(&c.exp.MinBatch, "min-batch", 40000, "exporter insert_batch.min_rows")
	flag.IntVar(&c.exp.MaxBatch, "max-batch", 50000, "exporter insert_batch.max_rows")
	flag.IntVar(&c.exp.MaxBytes, "max-bytes", 16<<20, "exporter insert_batch.max_bytes")
	flag.DurationVar(&c.exp.FlushTimeout, "flush-timeout", 500*time.Millisecond, "exporter insert_batch.max_delay")
	flag.IntVar(&c.exp.Consumers, "consumers", 2, "exporter insert_batch.max_inserts (inserts at once)")
	flag.DurationVar(&c.exp.MinInterval, "min-interval", 200*time.Millisecond, "exporter insert_batch.min_interval")
	flag.BoolVar(&c.exp.BlockOnOverflow, "block-on-overflow", false, "exporter sending_queue.block_on_overflow: a full queue holds requests instead of refusing them")
	flag.IntVar(&c.exp.QueueSize, "queue-size", 64<<20, "exporter sending_queue.queue_size (bytes)")
	flag.StringVar(&c.exp.Compression, "compression", "auto", "exporter compression to ClickHouse: auto (its default: none to this loopback ClickHouse), lz4, zstd or none")
	flag.StringVar(&c.exp.QueueMode, "queue-mode", "memory", "what the collector's acknowledgement means: "+strings.Join(queueModes, ", ")+" (sending_queue in memory, on file_storage, or wait_for_result: answered after the insert); several, comma-separated, run one after the other and are compared")
	flag.IntVar(&c.sdkBatch, "sdk-batch-size", 0, "SDK Config.BatchSize, events per request (0: the SDK default)")
	flag.IntVar(&c.sdkConcurrent, "sdk-concurrent-requests", 0, "SDK Config.MaxConcurrentRequests, batches in flight per client (0: the SDK default)")
	flag.IntVar(&c.memLimitMiB, "memory-limit-mib", 300, "memory_limiter limit_mib in front of aires_transform, spike 20%, and the collector's GOMEMLIMIT at 70% of it (0: neither)")
	flag.IntVar(&c.rawBatch, "raw-batch", 0, "rows per raw insert (default: max-batch)")
	flag.IntVar(&c.rawWriter, "raw-writers", 2, "raw insert goroutines")
	flag.Float64Var(&c.overFactor, "overload", 3, "overload factor over the sustained rate")
	flag.Float64Var(&c.latLoad, "latency-load", 0.7, "latency phase load as a fraction of the sustained rate")
	flag.Float64Var(&c.latRate, "latency-rate", 0, "latency phase load in events/s, instead of -latency-load (for A/B runs at one rate whatever the sustained phase measured)")
	flag.StringVar(&c.collectorEnv, "collector-env", "", "extra environment for the collector, comma-separated (e.g. GOGC=200)")
	flag.IntVar(&c.pprofPort, "pprof-port", 0, "enable the collector's pprof extension on this port (needs a binary with it) and save profiles")
	flag.StringVar(&c.profileDir, "profile-dir", "", "where to save collector profiles (with -pprof-port)")
	flag.Parse()
	if c.replot != "" {
		return replot(c.replot)
	}
	modes, err := parseQueueModes(c.exp.QueueMode)
	if err != nil {
		return err
	}
	if c.rawBatch == 0 {
		c.rawBatch = c.exp.MaxBatch
	}
	if c.quick {
		c.sdkBenchtime, c.sdkCount, c.sdkCPURounds = "300ms", 1, 3
		c.rawDur, c.warmup, c.win, c.latDur, c.overDur = 6*time.Second, 3*time.Second, 8*time.Second, 10*time.Second, 10*time.Second
		c.shapeWarmup, c.shapeWin = 2*time.Second, 5*time.Second
		c.shapeRounds = cmp.Or(c.shapeRounds, 1)
	} else {
		c.shapeWarmup, c.shapeWin = 3*time.Second, 8*time.Second
		c.shapeRounds = cmp.Or(c.shapeRounds, 3)
		c.sdkBenchtime, c.sdkCount, c.sdkCPURounds = "1s", 3, 5
		c.rawDur, c.warmup, c.win, c.latDur, c.overDur = 20*time.Second, 10*time.Second, 30*time.Second, 30*time.Second, 30*time.Second
	}
	if c.shapeRounds < 0 {
		return fmt.Errorf("-shape-rounds %d: give 1 or more (0: the default)", c.shapeRounds)
	}
	if c.shapeWinFlag > 0 {
		c.shapeWin = c.shapeWinFlag
	}
	c.warmup, c.win = cmp.Or(c.warmupFlag, c.warmup), cmp.Or(c.winFlag, c.win)
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
	if c.stockCollector == "" {
		c.stockCollector = filepath.Join(root, "build", "stock-collector", "stock-collector")
	}
	if _, err := os.Stat(c.stockCollector); err != nil && c.has("shapes") {
		return fmt.Errorf("stock collector binary %s: %w (run `make stock-collector`, or leave out the shapes phase with -phases)", c.stockCollector, err)
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

// sdk is the load's SDK settings, with the given compression.
func (c *config) sdk(compression string) sdkSettings {
	return sdkSettings{batchSize: c.sdkBatch, compression: compression, concurrent: c.sdkConcurrent}
}
