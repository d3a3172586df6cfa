package airestransformprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/processor/airestransformprocessor/internal/metadata"
)

// run sends one record through a processor built from cfg and returns the
// record that came out and its resource.
func run(t *testing.T, cfg *Config, setup func(res pcommon.Resource, lr plog.LogRecord)) (pcommon.Resource, plog.LogRecord) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(1_700_000_000_000_000_000)
	lr.Body().SetStr("hello")
	setup(rl.Resource(), lr)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.Len(t, sink.AllLogs(), 1)
	out := sink.AllLogs()[0].ResourceLogs().At(0)
	return out.Resource(), out.ScopeLogs().At(0).LogRecords().At(0)
}

func TestProcessor(t *testing.T) {
	tests := []struct {
		name  string
		cfg   func(*Config)
		setup func(res pcommon.Resource, lr plog.LogRecord)
		check func(t *testing.T, res pcommon.Resource, lr plog.LogRecord)
	}{
		{
			name: "nested maps flattened",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutEmptyMap("user").PutEmptyMap("geo").PutStr("country", "FR")
			},
			check: func(t *testing.T, _ pcommon.Resource, lr plog.LogRecord) {
				v, ok := lr.Attributes().Get("user.geo.country")
				require.True(t, ok)
				assert.Equal(t, "FR", v.Str())
				_, ok = lr.Attributes().Get("user")
				assert.False(t, ok)
			},
		},
		{
			name: "old environment key normalised on the resource",
			setup: func(res pcommon.Resource, _ plog.LogRecord) {
				res.Attributes().PutStr("deployment.environment", "prod")
			},
			check: func(t *testing.T, res pcommon.Resource, _ plog.LogRecord) {
				v, ok := res.Attributes().Get("deployment.environment.name")
				require.True(t, ok)
				assert.Equal(t, "prod", v.Str())
				_, ok = res.Attributes().Get("deployment.environment")
				assert.False(t, ok)
			},
		},
		{
			name: "severity text canonical, uid assigned",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.SetSeverityText("warning")
			},
			check: func(t *testing.T, _ pcommon.Resource, lr plog.LogRecord) {
				assert.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber())
				assert.Equal(t, "WARN", lr.SeverityText())
				uid, ok := lr.Attributes().Get("log.record.uid")
				require.True(t, ok)
				_, ok = row.ParseUUID(uid.Str())
				assert.True(t, ok)
			},
		},
		{
			name: "drop, redact, rename to a semantic key",
			cfg: func(c *Config) {
				c.Drop = []string{"password"}
				c.Redact = []string{"card"}
				c.Rename = map[string]string{"userId": "user.id"}
			},
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("password", "hunter2")
				lr.Attributes().PutStr("card", "4111")
				lr.Attributes().PutStr("userId", "u-7")
			},
			check: func(t *testing.T, _ pcommon.Resource, lr plog.LogRecord) {
				_, ok := lr.Attributes().Get("password")
				assert.False(t, ok)
				v, _ := lr.Attributes().Get("card")
				assert.Equal(t, "[REDACTED]", v.Str())
				v, _ = lr.Attributes().Get("user.id")
				assert.Equal(t, "u-7", v.Str())
				_, ok = lr.Attributes().Get("userId")
				assert.False(t, ok)
			},
		},
		{
			name: "limits",
			cfg: func(c *Config) {
				c.MaxAttributes = 2
				c.MaxValueLength = 3
			},
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("a", "abcdef")
				lr.Attributes().PutInt("b", 1)
				lr.Attributes().PutInt("c", 2)
			},
			check: func(t *testing.T, _ pcommon.Resource, lr plog.LogRecord) {
				v, _ := lr.Attributes().Get("a")
				assert.Equal(t, "abc", v.Str())
				_, ok := lr.Attributes().Get("c")
				assert.False(t, ok, "third attribute over the limit of 2")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			require.NoError(t, cfg.Validate())
			res, lr := run(t, cfg, tt.setup)
			tt.check(t, res, lr)
		})
	}
}

// The exporter builds rows from records that may or may not have passed
// through the processor: both must give the same row.
func TestProcessedRecordBuildsSameRow(t *testing.T) {
	setup := func(res pcommon.Resource, lr plog.LogRecord) {
		res.Attributes().PutStr("deployment.environment", "prod")
		res.Attributes().PutStr("k8s.pod.name", "p1")
		lr.Attributes().PutEmptyMap("order").PutInt("items", 2)
		lr.Attributes().PutStr("http.route", "/x")
		lr.Attributes().PutStr("log.record.uid", "0192f3a4-5b6c-7d8e-9f01-23456789abcd")
		lr.SetSeverityNumber(plog.SeverityNumberError2)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(1_700_000_000_000_000_000)
	lr.Body().SetStr("hello")
	setup(rl.Resource(), lr)
	var direct row.Row
	row.NewBuilder(row.Limits{}).Build(rl.Resource(), lr, &direct)

	res, out := run(t, createDefaultConfig().(*Config), setup)
	var processed row.Row
	row.NewBuilder(row.Limits{}).Build(res, out, &processed)
	assert.Equal(t, direct, processed)
}

func BenchmarkProcessLogs(b *testing.B) {
	tr, err := newTransform(createDefaultConfig().(*Config), processortest.NewNopSettings(metadata.Type))
	require.NoError(b, err)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < 100; i++ {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + i))
		lr.Body().SetStr("order placed")
		lr.Attributes().PutStr("order.id", "A-1")
		lr.Attributes().PutInt("order.items", 3)
		lr.Attributes().PutStr("http.route", "/orders")
	}
	b.ReportAllocs()
	for b.Loop() {
		batch := plog.NewLogs()
		ld.CopyTo(batch)
		_, _ = tr.processLogs(context.Background(), batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/record")
}

// BenchmarkProcessLogsCanonical: records already in the canonical shape, as
// the aires receiver sends them (RecordMatches lets them through unchanged).
func BenchmarkProcessLogsCanonical(b *testing.B) {
	tr, err := newTransform(createDefaultConfig().(*Config), processortest.NewNopSettings(metadata.Type))
	require.NoError(b, err)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < 100; i++ {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + i))
		lr.Body().SetStr("order placed")
		a := lr.Attributes()
		a.PutStr("order.id", "A-1")
		a.PutInt("order.items", 3)
		a.PutDouble("order.total", 99.5)
		a.PutBool("order.gift", false)
		a.PutStr("user.id", "user-42")
		a.PutStr("http.request.method", "POST")
		a.PutStr("http.route", "/orders")
		a.PutInt("http.response.status_code", 201)
		a.PutDouble("aires.http.duration_ms", 12.5)
	}
	_, _ = tr.processLogs(context.Background(), ld) // now canonical
	// Canonical records pass unchanged (only the resource is written
	// again), so the same batch is processed each time: no copy measured.
	b.ReportAllocs()
	for b.Loop() {
		_, _ = tr.processLogs(context.Background(), ld)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/record")
}
