package airesclickhouseexporter

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

const benchBatch = 10_000

// benchLogs is n typical events: one service, trace context, a few typed
// attributes, HTTP fields on every other record and an error on every tenth.
func benchLogs(n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	res.PutStr("service.name", "checkout")
	res.PutStr("deployment.environment.name", "prod")
	res.PutStr("service.version", "1.4.2")
	res.PutStr("host.name", "web-1")
	res.PutStr("k8s.pod.name", "web-1-abc")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	lrs.EnsureCapacity(n)
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano()
	for i := 0; i < n; i++ {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(base + int64(i)*1000))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.Body().SetStr("order placed")
		lr.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
		lr.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), 2, 3, 4, 5, 6, 7})
		a := lr.Attributes()
		a.PutStr("log.record.uid", uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(i))).String())
		a.PutStr("user.id", "user-42")
		a.PutStr("order.id", "A-1")
		a.PutInt("order.items", int64(i%7))
		a.PutDouble("order.total", 99.95)
		a.PutBool("order.gift", i%2 == 0)
		if i%2 == 0 {
			a.PutStr("http.request.method", "POST")
			a.PutStr("http.route", "/orders")
			a.PutInt("http.response.status_code", 201)
			a.PutDouble("aires.http.duration_ms", 12.5)
		}
		if i%10 == 0 {
			lr.SetSeverityNumber(plog.SeverityNumberError)
			a.PutStr("exception.type", "*net.OpError")
			a.PutStr("exception.message", "connection refused")
		}
	}
	return ld
}

func newBenchExporter(tb testing.TB, endpoint string) *logsExporter {
	cfg := testConfig(endpoint)
	e, err := newLogsExporter(exportertest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkConvert measures plog -> column block, without I/O.
func BenchmarkConvert(b *testing.B) {
	ld := benchLogs(benchBatch)
	e := newBenchExporter(b, "tcp://127.0.0.1:9000")
	ins := newInserter()
	g := &group{ins: ins}
	e.fill(g, ld) // warm the block's capacity, as a reused block is
	ins.blk.Reset()
	ins.rows.reset()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		e.fill(g, ld)
		ins.blk.Reset()
		ins.rows.reset()
	}
	reportPerRow(b, benchBatch, cpu0)
}

// TestConvertAllocs guards the conversion's allocations per row. The only
// ones left are the builder's: the trace id and span id hex strings.
func TestConvertAllocs(t *testing.T) {
	const n = 1000
	ld := benchLogs(n)
	e := newBenchExporter(t, "tcp://127.0.0.1:9000")
	ins := newInserter()
	g := &group{ins: ins}
	e.fill(g, ld)
	ins.blk.Reset()
	ins.rows.reset()
	perRow := testing.AllocsPerRun(20, func() {
		e.fill(g, ld)
		ins.blk.Reset()
		ins.rows.reset()
	}) / n
	t.Logf("%.2f allocs per row", perRow)
	if perRow > 2.05 {
		t.Errorf("conversion allocates %.2f times per row, want at most 2 (trace and span id)", perRow)
	}
}

// BenchmarkInsert compares the exporter's insert path (plog -> rows -> column
// block -> one INSERT) with a plain clickhouse-go row-wise batch.Append of the
// same rows (already built, so it does less work), on the real server, with
// the same compression.
func BenchmarkInsert(b *testing.B) {
	srv := chtest.Start(b)
	ld := benchLogs(benchBatch)
	rows := buildRows(ld)
	ctx := context.Background()
	for _, comp := range []string{"lz4", "none"} {
		e := newBenchExporter(b, srv.Endpoint())
		e.cfg.Compression = comp
		if err := e.start(ctx, componenttest.NewNopHost()); err != nil {
			b.Fatal(err)
		}
		// Warm the server up (first parts, caches) so the first sub-benchmark
		// is not penalised.
		for range 5 {
			if err := e.pushLogs(ctx, ld); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("exporter/"+comp, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := e.pushLogs(ctx, ld); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b, benchBatch, cpu0)
		})
		_ = e.shutdown(ctx)

		b.Run("plain_append/"+comp, func(b *testing.B) {
			opts := srv.Options()
			if comp == "lz4" {
				opts.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
			}
			conn, err := clickhouse.Open(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			insert := schema.Insert(schema.Table{Database: "aires", Name: "events"})
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				batch, err := conn.PrepareBatch(ctx, insert)
				if err != nil {
					b.Fatal(err)
				}
				for i := range rows {
					if err := appendRow(batch, &rows[i]); err != nil {
						b.Fatal(err)
					}
				}
				if err := batch.Send(); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b, benchBatch, cpu0)
		})
	}
}

// appendRow is the usual row-wise insert: one batch.Append per row.
func appendRow(batch driver.Batch, r *row.Row) error {
	bools := make([]uint8, len(r.BoolValues))
	for j, v := range r.BoolValues {
		if v {
			bools[j] = 1
		}
	}
	return batch.Append(uuid.UUID(r.ID), time.Unix(0, int64(r.TimestampNs)), r.TimestampNs,
		r.Service, r.Environment, r.Release, r.Host, r.Severity.String(), r.Message,
		r.TraceID, r.SpanID, r.SessionID, r.UserID, r.Tags,
		r.StrKeys, r.StrValues, r.IntKeys, r.IntValues, r.FloatKeys, r.FloatValues, r.BoolKeys, bools,
		r.ResourceKeys, r.ResourceValues,
		r.HTTPMethod, r.HTTPRoute, r.HTTPPath, r.HTTPURL, r.HTTPStatus, r.HTTPDurationMs,
		r.HTTPRequestSize, r.HTTPResponseSize, r.HTTPUserAgent, r.HTTPClientIP,
		r.ErrorType, r.ErrorMessage, r.ErrorStack)
}

func buildRows(ld plog.Logs) []row.Row {
	bld := row.NewBuilder(row.Limits{})
	rl := ld.ResourceLogs().At(0)
	lrs := rl.ScopeLogs().At(0).LogRecords()
	rows := make([]row.Row, lrs.Len())
	for i := range rows {
		bld.Build(rl.Resource(), lrs.At(i), &rows[i])
	}
	return rows
}

// cpuTime is this process's user+system CPU time: next to the wall time it
// shows how much of an insert is the client's work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPerRow(b *testing.B, rowsPerOp int, cpuStart time.Duration) {
	b.Helper()
	elapsed := b.Elapsed()
	if b.N == 0 || elapsed == 0 {
		return
	}
	total := float64(b.N) * float64(rowsPerOp)
	b.ReportMetric(total/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/row")
	b.ReportMetric(float64((cpuTime()-cpuStart).Nanoseconds())/total, "client-cpu-ns/row")
}

// BenchmarkInsertBlock is the insert path alone, from a filled block to
// the server (the driver's columns, encoding, compression, the INSERT), for
// rows with a short message and with a 2 KB one (a stack trace), in a
// block of the size a light load gives (2,000 rows) and a heavy one
// (20,000). client-cpu-ns/row is what the collector would spend.
func BenchmarkInsertBlock(b *testing.B) {
	srv := chtest.Start(b)
	e := rawExporter(b, testConfig(srv.Endpoint()))
	ctx := context.Background()
	if err := e.pushLogs(ctx, pushEvents("warm", 10)); err != nil { // schema, connection
		b.Fatal(err)
	}
	for _, msg := range []int{20, 2048} {
		for _, n := range []int{2_000, 20_000} {
			ld := benchLogs(n)
			body := strings.Repeat("x", msg)
			lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := range lrs.Len() {
				lrs.At(i).Body().SetStr(body)
			}
			ins := newInserter()
			e.fill(&group{ins: ins}, ld)
			b.Run(fmt.Sprintf("message=%d/rows=%d", msg, n), func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					if _, err := ins.insert(ctx, e.connection(), e.table, e.omittable(ctx, e.connection())); err != nil {
						b.Fatal(err)
					}
				}
				reportPerRow(b, n, cpu0)
			})
			ins.small.discard()
		}
	}
}
