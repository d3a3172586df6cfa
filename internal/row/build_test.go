package row

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const testUID = "0192f3a4-5b6c-7d8e-9f01-23456789abcd"

// fullRecord returns a log record with every mapped field set, as the aires
// receiver or an OTel SDK would send it.
func fullRecord() (plog.Logs, pcommon.Resource, plog.LogRecord) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource()
	res.Attributes().PutStr("service.name", "checkout")
	res.Attributes().PutStr("deployment.environment.name", "prod")
	res.Attributes().PutStr("service.version", "1.4.2")
	res.Attributes().PutStr("host.name", "web-1")
	res.Attributes().PutStr("k8s.pod.name", "web-1-abc")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(1_764_200_000_123_456_789))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.Body().SetStr("commande passée ✓")
	lr.SetTraceID(pcommon.TraceID{0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff})
	lr.SetSpanID(pcommon.SpanID{0xab, 1, 2, 3, 4, 5, 6, 7})
	a := lr.Attributes()
	a.PutStr("log.record.uid", testUID)
	a.PutStr("session.id", "sess-1")
	a.PutStr("user.id", "user-9")
	a.PutStr("http.request.method", "POST")
	a.PutStr("http.route", "/orders/{id}")
	a.PutStr("url.path", "/orders/42")
	a.PutStr("url.full", "https://shop.example/orders/42?x=1")
	a.PutInt("http.response.status_code", 502)
	a.PutDouble("aires.http.duration_ms", 12.5)
	a.PutInt("http.request.body.size", 120)
	a.PutInt("http.response.body.size", 3400)
	a.PutStr("user_agent.original", "curl/8.0")
	a.PutStr("client.address", "10.1.2.3")
	a.PutStr("exception.type", "*net.OpError")
	a.PutStr("exception.message", "connection refused")
	a.PutStr("exception.stacktrace", "main.go:12\nhttp.go:99")
	tags := a.PutEmptySlice("aires.tags")
	tags.AppendEmpty().SetStr("beta")
	tags.AppendEmpty().SetStr("eu")
	a.PutStr("order.id", "A-1")
	a.PutInt("order.items", 3)
	a.PutDouble("order.total", 99.95)
	a.PutBool("order.gift", true)
	m := a.PutEmptyMap("customer")
	m.PutStr("tier", "gold")
	m.PutEmptyMap("address").PutStr("country", "FR")
	l := a.PutEmptySlice("sizes")
	l.AppendEmpty().SetInt(1)
	l.AppendEmpty().SetInt(2)
	return ld, res, lr
}

func TestBuildFullRecord(t *testing.T) {
	_, res, lr := fullRecord()
	var r Row
	NewBuilder(Limits{}).Build(res, lr, &r)

	id, ok := ParseUUID(testUID)
	require.True(t, ok)
	want := Row{
		ID:          id,
		TimestampNs: 1_764_200_000_123_456_789,
		Service:     "checkout", Environment: "prod", Release: "1.4.2", Host: "web-1",
		Severity:  SeverityError,
		Message:   "commande passée ✓",
		TraceID:   "0a0102030405060708090a0b0c0d0eff",
		SpanID:    "ab01020304050607",
		SessionID: "sess-1", UserID: "user-9",
		Tags:           []string{"beta", "eu"},
		StrKeys:        []string{"order.id", "customer.tier", "customer.address.country", "sizes"},
		StrValues:      []string{"A-1", "gold", "FR", "[1,2]"},
		IntKeys:        []string{"order.items"},
		IntValues:      []int64{3},
		FloatKeys:      []string{"order.total"},
		FloatValues:    []float64{99.95},
		BoolKeys:       []string{"order.gift"},
		BoolValues:     []bool{true},
		ResourceKeys:   []string{"k8s.pod.name"},
		ResourceValues: []string{"web-1-abc"},
		HTTPMethod:     "POST", HTTPRoute: "/orders/{id}", HTTPPath: "/orders/42",
		HTTPURL: "https://shop.example/orders/42?x=1", HTTPStatus: 502, HTTPDurationMs: 12.5,
		HTTPRequestSize: 120, HTTPResponseSize: 3400, HTTPUserAgent: "curl/8.0", HTTPClientIP: "10.1.2.3",
		ErrorType: "*net.OpError", ErrorMessage: "connection refused", ErrorStack: "main.go:12\nhttp.go:99",
	}
	assert.Equal(t, want, r)
}

func TestBuildFields(t *testing.T) {
	tests := []struct {
		name  string
		setup func(res pcommon.Resource, lr plog.LogRecord)
		check func(t *testing.T, r *Row)
	}{
		{
			name: "old environment key",
			setup: func(res pcommon.Resource, _ plog.LogRecord) {
				res.Attributes().PutStr("deployment.environment", "staging")
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, "staging", r.Environment) },
		},
		{
			name: "new environment key wins whatever the order",
			setup: func(res pcommon.Resource, _ plog.LogRecord) {
				res.Attributes().PutStr("deployment.environment.name", "prod")
				res.Attributes().PutStr("deployment.environment", "old")
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, "prod", r.Environment) },
		},
		{
			name: "duration in seconds from OTel semconv",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutDouble("http.server.request.duration", 0.25)
			},
			check: func(t *testing.T, r *Row) { assert.InDelta(t, 250.0, r.HTTPDurationMs, 1e-9) },
		},
		{
			name: "status code as string",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("http.response.status_code", "404")
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, uint16(404), r.HTTPStatus) },
		},
		{
			name: "unparseable status code stays an attribute",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("http.response.status_code", "teapot")
			},
			check: func(t *testing.T, r *Row) {
				assert.Equal(t, uint16(0), r.HTTPStatus)
				assert.Equal(t, []string{"http.response.status_code"}, r.StrKeys)
			},
		},
		{
			name: "enduser.id fills user_id",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("enduser.id", "u1")
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, "u1", r.UserID) },
		},
		{
			name: "nested semantic key lands in its column",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutEmptyMap("http").PutStr("route", "/a")
			},
			check: func(t *testing.T, r *Row) {
				assert.Equal(t, "/a", r.HTTPRoute)
				assert.Empty(t, r.StrKeys)
			},
		},
		{
			name: "severity from text when number unset",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.SetSeverityText("Warning")
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, SeverityWarn, r.Severity) },
		},
		{
			name: "map body becomes JSON",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Body().SetEmptyMap().PutStr("k", "v")
			},
			check: func(t *testing.T, r *Row) { assert.JSONEq(t, `{"k":"v"}`, r.Message) },
		},
		{
			name: "invalid UTF-8 replaced",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Body().SetStr("bad \xff byte")
				lr.Attributes().PutStr("k\xfe", "v\xff")
			},
			check: func(t *testing.T, r *Row) {
				assert.Equal(t, "bad \uFFFD byte", r.Message)
				assert.Equal(t, []string{"k\uFFFD"}, r.StrKeys)
				assert.Equal(t, []string{"v\uFFFD"}, r.StrValues)
			},
		},
		{
			name: "observed timestamp used when timestamp unset",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.SetObservedTimestamp(1_764_200_000_000_000_042)
			},
			check: func(t *testing.T, r *Row) { assert.Equal(t, uint64(1_764_200_000_000_000_042), r.TimestampNs) },
		},
		{
			name:  "no timestamps: now",
			setup: func(pcommon.Resource, plog.LogRecord) {},
			check: func(t *testing.T, r *Row) {
				assert.InDelta(t, float64(time.Now().UnixNano()), float64(r.TimestampNs), float64(time.Minute))
			},
		},
		{
			name: "invalid uid: content id, uid kept as attribute",
			setup: func(_ pcommon.Resource, lr plog.LogRecord) {
				lr.Attributes().PutStr("log.record.uid", "not-a-uuid")
			},
			check: func(t *testing.T, r *Row) {
				assert.Equal(t, byte(0x80), r.ID[6]&0xf0, "version 8")
				assert.Equal(t, []string{"log.record.uid"}, r.StrKeys)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			tt.setup(rl.Resource(), lr)
			var r Row
			NewBuilder(Limits{}).Build(rl.Resource(), lr, &r)
			tt.check(t, &r)
		})
	}
}

func TestBuildLimits(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	for i := 0; i < 10; i++ {
		lr.Attributes().PutInt("k"+string(rune('a'+i)), int64(i))
	}
	lr.Attributes().PutStr("long", strings.Repeat("é", 10)) // 20 bytes
	var r Row
	built := NewBuilder(Limits{MaxAttributes: 11, MaxValueLength: 5}).Build(rl.Resource(), lr, &r)
	assert.Equal(t, 11, r.AttributeCount())
	assert.Zero(t, built.DroppedAttributes)
	assert.Equal(t, []string{"éé"}, r.StrValues, "cut at a rune boundary, within 5 bytes")

	r.Reset()
	built = NewBuilder(Limits{MaxAttributes: 3}).Build(rl.Resource(), lr, &r)
	assert.Equal(t, 3, r.AttributeCount())
	assert.Equal(t, 8, built.DroppedAttributes)
}

func TestBuildIsDeterministic(t *testing.T) {
	_, res, lr := fullRecord()
	lr.Attributes().Remove("log.record.uid")
	b := NewBuilder(Limits{})
	var r1, r2 Row
	b.Build(res, lr, &r1)
	b.Build(res, lr, &r2)
	assert.Equal(t, r1, r2)
	lr.Body().SetStr("other")
	b.Build(res, lr, &r2)
	assert.NotEqual(t, r1.ID, r2.ID)
}

func TestWriteRecordRoundTrip(t *testing.T) {
	_, res, lr := fullRecord()
	b := NewBuilder(Limits{})
	var first, second Row
	b.Build(res, lr, &first)
	WriteResource(&first, res.Attributes())
	WriteRecord(&first, lr)
	b.Build(res, lr, &second)
	assert.Equal(t, first, second)
	assert.Equal(t, "ERROR", lr.SeverityText())
}

func BenchmarkBuild(b *testing.B) {
	_, res, lr := fullRecord()
	bl := NewBuilder(Limits{})
	var r Row
	b.ReportAllocs()
	for b.Loop() {
		bl.Build(res, lr, &r)
	}
}

func BenchmarkBuildNoUID(b *testing.B) {
	_, res, lr := fullRecord()
	lr.Attributes().Remove("log.record.uid")
	lr.Attributes().Remove("customer")
	lr.Attributes().Remove("sizes")
	bl := NewBuilder(Limits{})
	var r Row
	b.ReportAllocs()
	for b.Loop() {
		bl.Build(res, lr, &r)
	}
}

// Clear drops every string a row held, past its lengths too, so a row kept
// for reuse does not keep a request's strings alive; it does not allocate.
func TestRowClearDropsStrings(t *testing.T) {
	r := Row{
		Tags:           []string{"a", "b"},
		StrKeys:        []string{"k1", "k2", "k3"},
		StrValues:      []string{"v1", "v2", "v3"},
		IntKeys:        []string{"n"},
		FloatKeys:      []string{"f"},
		BoolKeys:       []string{"b"},
		ResourceKeys:   []string{"service.name"},
		ResourceValues: []string{"checkout"},
		Message:        "hello",
	}
	r.StrKeys = r.StrKeys[:1] // strings beyond the length must go too
	r.Clear()
	for name, ss := range map[string][]string{
		"Tags": r.Tags, "StrKeys": r.StrKeys, "StrValues": r.StrValues, "IntKeys": r.IntKeys,
		"FloatKeys": r.FloatKeys, "BoolKeys": r.BoolKeys, "ResourceKeys": r.ResourceKeys, "ResourceValues": r.ResourceValues,
	} {
		if len(ss) != 0 {
			t.Errorf("%s: length %d after Clear", name, len(ss))
		}
		for i, s := range ss[:cap(ss)] {
			if s != "" {
				t.Errorf("%s[%d] = %q after Clear", name, i, s)
			}
		}
	}
	if r.Message != "" {
		t.Errorf("Message = %q after Clear", r.Message)
	}
	if n := testing.AllocsPerRun(100, r.Clear); n != 0 {
		t.Errorf("Clear allocates %.0f times", n)
	}
}
