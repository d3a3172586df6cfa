package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
)

// Logs from any OTel SDK, sent over OTLP, land in the same columns.
func TestOTLPLogsLandInColumns(t *testing.T) {
	e := newEnv(t, nil)
	ts := time.Now().Add(-time.Minute)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ra := rl.Resource().Attributes()
	ra.PutStr("service.name", "otel-svc")
	ra.PutStr("deployment.environment.name", "prod")
	ra.PutStr("service.version", "3.1.4")
	ra.PutStr("host.name", "node-3")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
	lr.Body().SetStr("slow upstream")
	traceID := pcommon.TraceID{0x5b, 0x8e, 0xfe, 0xf9, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5}
	spanID := pcommon.SpanID{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74}
	lr.SetTraceID(traceID)
	lr.SetSpanID(spanID)
	a := lr.Attributes()
	a.PutStr("log.record.uid", "01934a5b-6c7d-7e8f-9a0b-1c2d3e4f5a6b")
	a.PutStr("session.id", "s-otlp")
	a.PutStr("user.id", "u-otlp")
	a.PutStr("http.request.method", "GET")
	a.PutStr("http.route", "/items/{id}")
	a.PutStr("url.path", "/items/9")
	a.PutStr("url.full", "http://api/items/9")
	a.PutInt("http.response.status_code", 504)
	a.PutDouble("http.server.request.duration", 1.5)
	a.PutStr("user_agent.original", "okhttp/4")
	a.PutStr("client.address", "198.51.100.7")
	a.PutStr("exception.type", "TimeoutError")
	a.PutStr("exception.message", "upstream timed out")
	a.PutStr("exception.stacktrace", "at fetch()")
	a.PutInt("retry.count", 2)

	exportOTLP(t, e.col.OTLPPort, ld)

	waitCount(t, e.db, 1, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	got := readEvent(t, e.db, "01934a5b-6c7d-7e8f-9a0b-1c2d3e4f5a6b")
	assert.Equal(t, uint64(ts.UnixNano()), got.TimestampNs)
	assert.Equal(t, "otel-svc", got.Service)
	assert.Equal(t, "prod", got.Environment)
	assert.Equal(t, "3.1.4", got.Release)
	assert.Equal(t, "node-3", got.Host)
	assert.Equal(t, "warn", got.Severity)
	assert.Equal(t, "slow upstream", got.Message)
	assert.Equal(t, "5b8efef91a2b3c4d5e6f708192a3b4c5", got.TraceID)
	assert.Equal(t, "eee19b7ec3c1b174", got.SpanID)
	assert.Equal(t, "s-otlp", got.SessionID)
	assert.Equal(t, "u-otlp", got.UserID)
	assert.Equal(t, "GET", got.HTTPMethod)
	assert.Equal(t, "/items/{id}", got.HTTPRoute)
	assert.Equal(t, "/items/9", got.HTTPPath)
	assert.Equal(t, "http://api/items/9", got.HTTPURL)
	assert.Equal(t, uint16(504), got.HTTPStatus)
	assert.Equal(t, 1500.0, got.HTTPDurationMs)
	assert.Equal(t, "okhttp/4", got.HTTPUserAgent)
	assert.Equal(t, "198.51.100.7", got.HTTPClientIP)
	assert.Equal(t, "TimeoutError", got.ErrorType)
	assert.Equal(t, "upstream timed out", got.ErrorMessage)
	assert.Equal(t, "at fetch()", got.ErrorStack)
	assert.Equal(t, []string{"retry.count"}, got.IntKeys)
	assert.Equal(t, []int64{2}, got.IntValues)
	assert.Empty(t, got.StrKeys)
}

// exportOTLP sends ld to the collector's OTLP gRPC receiver and requires
// success.
func exportOTLP(t *testing.T, port int, ld plog.Logs) {
	t.Helper()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpcInsecure())
	require.NoError(t, err)
	defer conn.Close()
	_, err = plogotlp.NewGRPCClient(conn).Export(ctxTimeout(t, 10*time.Second), plogotlp.NewExportRequestFromLogs(ld))
	require.NoError(t, err)
}
