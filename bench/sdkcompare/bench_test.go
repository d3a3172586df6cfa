package sdkcompare

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	aires "github.com/aires-dev/aires/sdk"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func newAires(b *testing.B, cfg aires.Config) *aires.Client {
	b.Helper()
	cfg.Service = "bench"
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := aires.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

func discardServer(b *testing.B) *DiscardServer {
	b.Helper()
	s, err := StartDiscardServer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Stop)
	return s
}

// BenchmarkInfo3Attrs is the cost of one logging call on the caller's
// goroutine, each library in its usual production shape.
func BenchmarkInfo3Attrs(b *testing.B) {
	b.Run("aires", func(b *testing.B) {
		// Caller cost with the queue never full: every 1024 calls the timer
		// is paused while the worker (on the other core) catches up, so no
		// event is dropped and ns/op is what the application pays.
		srv := discardServer(b)
		const queue = 1 << 15
		c := newAires(b, aires.Config{Endpoint: srv.Addr, QueueSize: queue})
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			i++
			if i%1024 == 0 {
				waitQueue(b, c, queue-2048)
			}
			c.Info(msg, aires.String("order_id", "o-12345"), aires.Int("items", 3), aires.Bool("paid", true))
		}
		b.StopTimer()
		st := c.Stats()
		b.ReportMetric(100*float64(st.Dropped)/float64(max(st.Enqueued+st.Dropped, 1)), "%dropped")
	})
	b.Run("zap", func(b *testing.B) {
		// Production encoder config, JSON to io.Discard, no sampling/caller:
		// zap's fastest shape (its own benchmarks use it).
		core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
		l := zap.New(core)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			l.Info(msg, zap.String("order_id", "o-12345"), zap.Int("items", 3), zap.Bool("paid", true))
		}
	})
	b.Run("zap-production", func(b *testing.B) {
		// zap.NewProductionConfig().Build() with its output swapped for
		// io.Discard: adds the caller and sampling (sampling drops most
		// repeats of one message, which flatters this number).
		l, err := zap.NewProductionConfig().Build(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			return zapcore.NewSamplerWithOptions(
				zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel),
				time.Second, 100, 100)
		}))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			l.Info(msg, zap.String("order_id", "o-12345"), zap.Int("items", 3), zap.Bool("paid", true))
		}
	})
	b.Run("slog", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			l.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("order_id", "o-12345"), slog.Int("items", 3), slog.Bool("paid", true))
		}
	})
	b.Run("otel-logs-sdk", func(b *testing.B) {
		p := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(noopExporter{})))
		b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
		l := p.Logger("bench")
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			emitOTel(ctx, l)
		}
	})
}

// BenchmarkInfoServerDown: the call costs the same when the collector is
// unreachable (the queue is full: every event takes the drop path).
func BenchmarkInfoServerDown(b *testing.B) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	c := newAires(b, aires.Config{Endpoint: addr, QueueSize: 1024})
	for range 2048 { // fill the queue first
		c.Info(msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Info(msg, aires.String("order_id", "o-12345"), aires.Int("items", 3), aires.Bool("paid", true))
	}
	b.StopTimer()
	st := c.Stats()
	b.ReportMetric(100*float64(st.Dropped)/float64(max(st.Enqueued+st.Dropped, 1)), "%dropped")
}

// BenchmarkThroughput measures events/s delivered SDK -> gRPC -> in-process
// server (discarding), the producer slowing down when the queue is nearly
// full so nothing is dropped.
func BenchmarkThroughput(b *testing.B) {
	for _, tc := range []struct {
		name        string
		compression string
	}{{"zstd", "zstd"}, {"gzip", "gzip"}, {"uncompressed", "none"}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := discardServer(b)
			const queue = 1 << 15
			c := newAires(b, aires.Config{Endpoint: srv.Addr, QueueSize: queue, Compression: tc.compression})
			// Warm the connection.
			c.Info("warm-up")
			_ = c.Flush(context.Background())
			base := c.Stats()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			i := 0
			for b.Loop() {
				i++
				if i%1024 == 0 {
					for {
						st := c.Stats()
						if st.Enqueued-st.Sent-st.Failed < queue-2048 {
							break
						}
						time.Sleep(20 * time.Microsecond)
					}
				}
				c.Info(msg, aires.String("order_id", "o-12345"), aires.Int("items", 3), aires.Bool("paid", true))
			}
			_ = c.Flush(context.Background())
			el := time.Since(start)
			b.StopTimer()
			st := c.Stats()
			sent := st.Sent - base.Sent
			b.ReportMetric(float64(sent)/el.Seconds(), "events/s")
			b.ReportMetric(float64(st.Dropped), "dropped")
			if n := srv.Requests.Load(); n > 0 {
				b.ReportMetric(float64(srv.WireBytes.Load())/float64(sent), "wire-B/event")
				b.ReportMetric(float64(srv.Bytes.Load())/float64(sent), "proto-B/event")
			}
		})
	}
}

// waitQueue pauses the benchmark timer until fewer than limit events wait.
func waitQueue(b *testing.B, c *aires.Client, limit uint64) {
	st := c.Stats()
	if st.Enqueued-st.Sent-st.Failed < limit {
		return
	}
	b.StopTimer()
	for {
		time.Sleep(20 * time.Microsecond)
		st = c.Stats()
		if st.Enqueued-st.Sent-st.Failed < limit {
			break
		}
	}
	b.StartTimer()
}

type noopExporter struct{}

func (noopExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (noopExporter) Shutdown(context.Context) error                { return nil }
func (noopExporter) ForceFlush(context.Context) error              { return nil }
