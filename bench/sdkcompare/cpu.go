package sdkcompare

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	aires "github.com/aires-dev/aires/sdk"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The same event everywhere (here and in the benchmarks): a message and
// three attributes (string, int, bool).
const msg = "order placed"

// Libraries are the loggers MeasureCPU knows, in the order they are run.
var Libraries = []string{"aires", "otel", "zap", "slog"}

// CPUResult is the whole process's CPU (every goroutine: caller, worker,
// encoding, compression, gRPC, GC) spent logging Events events and
// delivering them, per delivered event.
type CPUResult struct {
	Library    string  `json:"library"`
	Events     uint64  `json:"events"`
	Delivered  uint64  `json:"delivered"`
	CPUSeconds float64 `json:"cpu_s"`
	WallSecs   float64 `json:"wall_s"`
	UsPerEvent float64 `json:"us_per_event"`
	// Filled by the parent from its server's counters (0 for the loggers
	// that write to io.Discard).
	Requests     uint64  `json:"requests,omitempty"`
	WireBytesPer float64 `json:"wire_bytes_per_event,omitempty"`
	RawBytesPer  float64 `json:"proto_bytes_per_event,omitempty"`
}

// warmup events go out before the measured span, so that connecting, the
// first allocations of pools and buffers are not charged to the library.
const warmup = 2000

// logger is one library set up for the measurement: log emits an event;
// backlog is how many emitted events are not delivered yet (0 for the
// synchronous loggers); finish delivers everything and returns the count
// delivered since the start.
type logger struct {
	log     func()
	backlog func() uint64
	limit   uint64 // the producer pauses while backlog >= limit, so nothing is dropped
	finish  func() (uint64, error)
}

// MeasureCPU logs n events with three attributes through lib (one of
// Libraries, or aires/<batch size>) from one goroutine, as fast as the library takes them, and
// measures the process's CPU with getrusage from the first event until
// every event is delivered. aires and otel send to endpoint over gRPC with
// gzip. When profile is not empty a CPU profile of the measured span is
// written there. Run it in a process of its own: the figure is the whole
// process's.
func MeasureCPU(lib string, n int, endpoint, profile string) (CPUResult, error) {
	l, err := newLogger(lib, endpoint)
	if err != nil {
		return CPUResult{}, err
	}
	for range warmup {
		l.log()
	}
	// Delivered before the span starts (a few hundred may wait for the
	// library's timer).
	for l.backlog() > 0 {
		time.Sleep(time.Millisecond)
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return CPUResult{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return CPUResult{}, err
		}
	}
	cpu0, t0 := processCPU(), time.Now()
	for i := range n {
		if i%64 == 0 && l.limit > 0 && l.backlog() >= l.limit {
			// Wait until half the backlog is delivered, in long steps:
			// a producer spinning on short sleeps would charge its own
			// wake-ups to the library.
			for l.backlog() > l.limit/2 {
				time.Sleep(2 * time.Millisecond)
			}
		}
		l.log()
	}
	delivered, err := l.finish()
	cpu, wall := processCPU()-cpu0, time.Since(t0)
	if profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return CPUResult{}, fmt.Errorf("%s: %w", lib, err)
	}
	delivered -= warmup
	r := CPUResult{Library: lib, Events: uint64(n), Delivered: delivered,
		CPUSeconds: cpu.Seconds(), WallSecs: wall.Seconds()}
	if delivered > 0 {
		r.UsPerEvent = cpu.Seconds() * 1e6 / float64(delivered)
	}
	return r, nil
}

// processCPU is the user plus system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func newLogger(lib, endpoint string) (*logger, error) {
	// "aires/256": the SDK with Config.BatchSize 256, for comparisons.
	if b, ok := strings.CutPrefix(lib, "aires/"); ok {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("library %q: want aires/<batch size>", lib)
		}
		return airesLogger(endpoint, n, "")
	}
	// "aires+gzip": the SDK with Config.Compression gzip.
	if c, ok := strings.CutPrefix(lib, "aires+"); ok {
		return airesLogger(endpoint, 0, c)
	}
	switch lib {
	case "aires":
		return airesLogger(endpoint, 0, "")
	case "otel":
		return otelLogger(endpoint)
	case "zap":
		core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
		z := zap.New(core)
		return syncLogger(func() {
			z.Info(msg, zap.String("order_id", "o-12345"), zap.Int("items", 3), zap.Bool("paid", true))
		}), nil
	case "slog":
		s := slog.New(slog.NewJSONHandler(io.Discard, nil))
		ctx := context.Background()
		return syncLogger(func() {
			s.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("order_id", "o-12345"), slog.Int("items", 3), slog.Bool("paid", true))
		}), nil
	}
	return nil, fmt.Errorf("unknown library %q (want one of %v)", lib, Libraries)
}

// syncLogger wraps a logger that has done all its work when the call
// returns.
func syncLogger(log func()) *logger {
	var count uint64
	return &logger{
		log:     func() { log(); count++ },
		backlog: func() uint64 { return 0 },
		finish:  func() (uint64, error) { return count, nil },
	}
}

// airesLogger is the SDK with its defaults (queue, batch size, zstd), or
// with batch events per request, or another compression.
func airesLogger(endpoint string, batch int, compression string) (*logger, error) {
	c, err := aires.New(aires.Config{Endpoint: endpoint, Service: "bench", Logger: slog.New(slog.DiscardHandler), BatchSize: batch, Compression: compression})
	if err != nil {
		return nil, err
	}
	return &logger{
		log: func() {
			c.Info(msg, aires.String("order_id", "o-12345"), aires.Int("items", 3), aires.Bool("paid", true))
		},
		backlog: func() uint64 { st := c.Stats(); return st.Enqueued - st.Sent - st.Failed },
		limit:   aires.DefaultQueueSize - 1024,
		finish: func() (uint64, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.Shutdown(ctx); err != nil {
				return 0, err
			}
			st := c.Stats()
			if st.Dropped+st.Failed > 0 {
				return 0, fmt.Errorf("aires dropped %d and failed %d events: the measurement needs every event delivered", st.Dropped, st.Failed)
			}
			return st.Sent, nil
		},
	}, nil
}

// otelLogger is the OTel logs SDK with the OTLP/gRPC exporter (gzip) behind
// its BatchProcessor with the default settings.
func otelLogger(endpoint string) (*logger, error) {
	ctx := context.Background()
	exp, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(endpoint), otlploggrpc.WithInsecure(),
		otlploggrpc.WithCompressor("gzip"))
	if err != nil {
		return nil, err
	}
	ce := &countingExporter{Exporter: exp}
	const queue = 2048 // the BatchProcessor's default queue size, named so the pacing below fits it
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(ce, sdklog.WithMaxQueueSize(queue))))
	l := p.Logger("bench")
	var emitted uint64
	return &logger{
		log: func() {
			emitOTel(ctx, l)
			emitted++
		},
		backlog: func() uint64 { return emitted - ce.exported.Load() - ce.failed.Load() },
		limit:   queue - 512,
		finish: func() (uint64, error) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := p.Shutdown(ctx); err != nil {
				return 0, err
			}
			if f := ce.failed.Load(); f > 0 {
				return 0, fmt.Errorf("the OTLP exporter failed %d events", f)
			}
			if ex := ce.exported.Load(); ex != emitted {
				return 0, fmt.Errorf("the OTel SDK delivered %d of %d events (the BatchProcessor dropped the rest)", ex, emitted)
			}
			return ce.exported.Load(), nil
		},
	}, nil
}

// emitOTel logs the event through the OTel logs API, as an application
// using the OTel logs SDK directly would.
func emitOTel(ctx context.Context, l otellog.Logger) {
	var r otellog.Record
	r.SetTimestamp(time.Now())
	r.SetSeverity(otellog.SeverityInfo)
	r.SetBody(attribute.StringValue(msg))
	r.AddAttributes(attribute.String("order_id", "o-12345"), attribute.Int("items", 3), attribute.Bool("paid", true))
	l.Emit(ctx, r)
}

// countingExporter counts the records its exporter delivered.
type countingExporter struct {
	sdklog.Exporter
	exported, failed atomic.Uint64
}

func (e *countingExporter) Export(ctx context.Context, records []sdklog.Record) error {
	err := e.Exporter.Export(ctx, records)
	if err != nil {
		e.failed.Add(uint64(len(records)))
	} else {
		e.exported.Add(uint64(len(records)))
	}
	return err
}
