package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
)

// defaultOTLPBatch is the number of log records per OTLP request, as
// telemetrygen sends them (the first measurement of the stock
// collector); the OTel SDKs' batch processor sends up to 512, the Aires SDKs
// up to 2048 (-otlp-batch).
const defaultOTLPBatch = 256

// maxOTLPRequestBytes bounds an OTLP request as the Aires SDKs bound a batch
// (1 MiB): 2048 records of the large shape would pass grpc's 4 MiB limit.
const maxOTLPRequestBytes = 1 << 20

// shapeMessage is a message of n bytes (ASCII, so bytes = characters), like
// a log line with a stack trace when n is large.
func shapeMessage(n int) string {
	const text = "order placed for customer; payment authorised, stock reserved, shipping label requested. "
	return strings.Repeat(text, n/len(text)+1)[:n]
}

// shapeAttrs are n string attributes of a few bytes each, the same for the
// SDK and OTLP runs.
func shapeAttrs(n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{fmt.Sprintf("attr.%02d", i), fmt.Sprintf("value-%02d-abcdef", i)}
	}
	return out
}

// otlpRequest is one OTLP request of up to records records of shape s (fewer
// when they would pass maxOTLPRequestBytes), with the resource the SDK
// clients send.
func otlpRequest(s eventShape, records int) plogotlp.ExportRequest {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ra := rl.Resource().Attributes()
	ra.PutStr("service.name", serviceShapes)
	ra.PutStr("deployment.environment.name", benchEnv)
	ra.PutStr("service.version", benchRelease)
	for _, kv := range resourceAttrs {
		ra.PutStr(kv[0], kv[1])
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("airesbench")
	now := pcommon.NewTimestampFromTime(time.Now())
	msg, attrs := shapeMessage(s.BodyBytes), shapeAttrs(s.Attrs)
	var sizer plog.ProtoMarshaler
	var first int // the size of the request with one record
	records = max(records, 1)
	for i := 0; i < records; i++ {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(now)
		lr.SetObservedTimestamp(now)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		lr.Body().SetStr(msg)
		for _, kv := range attrs {
			lr.Attributes().PutStr(kv[0], kv[1])
		}
		// Every record has the same size: what the second one added is
		// each one's; stop at the bound.
		switch i {
		case 0:
			first = sizer.LogsSize(ld)
		case 1:
			per := sizer.LogsSize(ld) - first
			records = min(records, max(1, 1+(maxOTLPRequestBytes-first)/per))
		}
	}
	return plogotlp.NewExportRequestFromLogs(ld)
}

// defaultOTLPCompression is none: telemetrygen (the first
// measurement of the stock collector) and the OTel SDKs' OTLP exporters send
// uncompressed unless OTEL_EXPORTER_OTLP_COMPRESSION says otherwise; a
// collector's own otlp exporter sends gzip (-otlp-compression gzip).
const defaultOTLPCompression = "none"

// otlpSender sends OTLP log requests over gRPC, uncompressed or with gzip
// (-otlp-compression).
type otlpSender struct {
	conn   *grpc.ClientConn
	client plogotlp.GRPCClient
	opts   []grpc.CallOption
}

func newOTLPSender(endpoint, compression string) (*otlpSender, error) {
	var opts []grpc.CallOption
	switch compression {
	case "gzip":
		opts = append(opts, grpc.UseCompressor(gzip.Name))
	case "none":
	default:
		return nil, fmt.Errorf("-otlp-compression %q: use gzip or none", compression)
	}
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &otlpSender{conn: conn, client: plogotlp.NewGRPCClient(conn), opts: opts}, nil
}

func (o *otlpSender) close() { _ = o.conn.Close() }

// run sends req at rate records/s from `senders`
// goroutines until ctx ends, and returns the records acknowledged so far
// through accepted (read it while it runs). Failed requests are counted in
// failed and not retried: the run measures CPU per accepted record.
func (o *otlpSender) run(ctx context.Context, req plogotlp.ExportRequest, rate float64, senders int, accepted, failed *atomic.Uint64) {
	start := time.Now()
	n := req.Logs().LogRecordCount()
	perSender := rate / float64(n) / float64(senders)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			var done float64
			for ctx.Err() == nil {
				if done >= time.Since(start).Seconds()*perSender {
					time.Sleep(time.Millisecond)
					continue
				}
				done++
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := o.client.Export(rctx, req, o.opts...)
				cancel()
				if err != nil {
					failed.Add(uint64(n))
					continue
				}
				accepted.Add(uint64(n))
			}
		})
	}
	wg.Wait()
}
