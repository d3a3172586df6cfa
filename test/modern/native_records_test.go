package modern

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// exporterLogs are log records covering every field of the events table and
// every kind of value the row builder meets: the semantic resource and record
// attributes (with their older aliases), other resource attributes of every
// type, typed attributes at the edges of their types (large and negative
// integers, NaN, infinities, -0), lists, bytes and nested maps, values over
// the length limit, more attributes than the limit, invalid UTF-8, every
// severity, the timestamp fallbacks, empty records, and enough rows (several
// services) to grow the block and its LowCardinality dictionary.
func exporterLogs() plog.Logs {
	ld := plog.NewLogs()
	ts := time.Date(2026, 11, 20, 10, 0, 1, 123456789, time.UTC)

	// A resource with every semantic attribute and others of every type.
	rl := ld.ResourceLogs().AppendEmpty()
	putAttrs(rl.Resource().Attributes(),
		attr{"deployment.environment", "legacy-env"}, // the newer key below wins
		attr{"service.name", "checkout-ünïcode ✓"},
		attr{"deployment.environment.name", "prod"},
		attr{"service.version", "1.2.3+build.7"},
		attr{"host.name", "host-01"},
		attr{"k8s.pod.name", "checkout-7d9f"},
		attr{"process.pid", 4242},
		attr{"cloud.available", true},
		attr{"host.cpu.ratio", 0.75},
		attr{"process.command_args", []any{"a", "b c"}},
		attr{"resource.nested", map[string]any{"x": -1}},
		attr{"emoji.🚀", "🚀"},
		attr{"empty.value", ""},
	)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	richRecord(lrs.AppendEmpty(), ts)
	edgeRecord(lrs.AppendEmpty(), ts)
	for i, sev := range []struct {
		n    plog.SeverityNumber
		text string
	}{
		{plog.SeverityNumberTrace, ""}, {plog.SeverityNumberTrace2, "TRACE2"}, {plog.SeverityNumberDebug, ""},
		{plog.SeverityNumberDebug3, ""}, {plog.SeverityNumberInfo, "INFO"}, {plog.SeverityNumberInfo4, ""},
		{plog.SeverityNumberWarn, ""}, {plog.SeverityNumberWarn2, ""}, {plog.SeverityNumberError, ""},
		{plog.SeverityNumberError3, ""}, {plog.SeverityNumberFatal, "FATAL"}, {plog.SeverityNumberFatal4, ""},
		{plog.SeverityNumberUnspecified, "warning"}, {plog.SeverityNumberUnspecified, "critical"},
		{plog.SeverityNumberUnspecified, "ERR"}, {plog.SeverityNumberUnspecified, "trace"},
		{plog.SeverityNumberUnspecified, "debug"}, {plog.SeverityNumberUnspecified, "bogus"},
		{plog.SeverityNumberUnspecified, ""}, {plog.SeverityNumber(99), ""},
	} {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(i) * time.Millisecond)))
		lr.SetSeverityNumber(sev.n)
		lr.SetSeverityText(sev.text)
		lr.Body().SetStr(fmt.Sprintf("severity %d %q", sev.n, sev.text))
	}

	// An empty resource: a record with nothing but a timestamp, one with no
	// timestamp at all (stamped with the current time), and the two ends of
	// the DateTime column's range.
	lrs = ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lrs.AppendEmpty()
	lrs.AppendEmpty().SetTimestamp(1)
	lrs.AppendEmpty().SetTimestamp(pcommon.Timestamp(uint64(math.MaxUint32)*1e9 + 999999999))

	// The older keys alone: deployment.environment, enduser.id, the
	// duration in seconds; the observed timestamp only; a map body.
	rl = ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("deployment.environment", "staging")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Hour)))
	lr.SetSeverityText("Warning")
	body := lr.Body().SetEmptyMap()
	body.PutStr("event", "login")
	body.PutInt("attempt", 3)
	attrs := lr.Attributes()
	attrs.PutStr("enduser.id", "legacy-user")
	attrs.PutDouble("http.server.request.duration", 0.25)
	attrs.PutStr("http.response.status_code", "404")
	attrs.PutStr("aires.tags", "single-tag")

	// Many rows over several services, routes and error types.
	for s := range 6 {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", fmt.Sprintf("svc-%d", s))
		rl.Resource().Attributes().PutStr("host.name", fmt.Sprintf("host-%d", s%2))
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := range 60 {
			n := s*60 + i
			lr := lrs.AppendEmpty()
			lr.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Duration(n) * time.Second)))
			lr.SetSeverityNumber(plog.SeverityNumber(1 + n%24))
			lr.Body().SetStr(fmt.Sprintf("generated %d", n))
			a := lr.Attributes()
			a.PutStr("http.request.method", []string{"GET", "POST", "PUT", ""}[n%4])
			a.PutStr("http.route", fmt.Sprintf("/r/%d", n%5))
			a.PutInt("http.response.status_code", int64(200+n%4*100))
			a.PutDouble("aires.http.duration_ms", float64(n)/7)
			a.PutInt("n", int64(n))
			if n%3 == 0 {
				a.PutStr("exception.type", fmt.Sprintf("E%d", n%9))
			}
			if n%2 == 0 {
				fillSlice(a.PutEmptySlice("aires.tags"), fmt.Sprint("t", n%3), "even")
			}
		}
	}
	return ld
}

// richRecord sets every record field and semantic attribute, and typed
// attributes of every kind.
func richRecord(lr plog.LogRecord, ts time.Time) {
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Second)))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetSeverityText("ERROR")
	lr.Body().SetStr("payment declined: naïve café ☕\ttab\nnewline 'quote' \"dq\" \\ backslash")
	lr.SetTraceID(pcommon.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36})
	lr.SetSpanID(pcommon.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7})
	putAttrs(lr.Attributes(),
		attr{"log.record.uid", "0192f0c4-1d2e-7a3b-8c4d-5e6f70819203"},
		attr{"session.id", "sess-ü"},
		attr{"user.id", "user-42"},
		attr{"enduser.id", "not-stored"}, // user.id came first
		attr{"http.request.method", "POST"},
		attr{"http.route", "/api/orders/{id}"},
		attr{"url.path", "/api/orders/42"},
		attr{"url.full", "https://shop.example/api/orders/42?q=ä&x=1"},
		attr{"http.response.status_code", 503},
		attr{"aires.http.duration_ms", 1234.5678},
		attr{"http.server.request.duration", 9.0}, // the milliseconds win
		attr{"http.request.body.size", 1 << 40},
		attr{"http.response.body.size", "123456789012345678"},
		attr{"user_agent.original", `Mozilla/5.0 (X11; Linux x86_64) "quoted"`},
		attr{"client.address", "2001:db8::1"},
		attr{"exception.type", "java.lang.IllegalStateException"},
		attr{"exception.message", "state: 'bad'\tline\nnext\\"},
		attr{"exception.stacktrace", "java.lang.IllegalStateException: bad\n\tat Foo.bar(Foo.java:1)\n\tat Main.main(Main.java:2)"},
		attr{"aires.tags", []any{"checkout", "ünïcode", "", "tag with space", "a'b"}},

		attr{"str", "plain"},
		attr{"str.unicode", "日本語 🚀"},
		attr{"str.empty", ""},
		attr{"str.escapes", "tab\tnl\nquote'dq\"bs\\nul\x00end"},
		attr{"str.long", strings.Repeat("é", 5000)}, // cut at the value length limit
		attr{"str.invalid_utf8", "a\xffb"},
		attr{"int.max", math.MaxInt64},
		attr{"int.min", math.MinInt64},
		attr{"int.neg", -42},
		attr{"int.zero", 0},
		attr{"float.pi", math.Pi},
		attr{"float.tiny_neg", -2.5e-300},
		attr{"float.nan", math.NaN()},
		attr{"float.inf", math.Inf(1)},
		attr{"float.neginf", math.Inf(-1)},
		attr{"float.negzero", math.Copysign(0, -1)},
		attr{"float.max", math.MaxFloat64},
		attr{"float.smallest", math.SmallestNonzeroFloat64},
		attr{"bool.true", true},
		attr{"bool.false", false},
		attr{"list", []any{1, "two", 3.5, true, map[string]any{"k": "v"}}},
		attr{"bytes", []byte{0, 1, 2, 0xff}},
		attr{"empty", nil},
	)
	// Put one key at a time: the flattened keys keep this order.
	nested := lr.Attributes().PutEmptyMap("nested")
	inner := nested.PutEmptyMap("a")
	inner.PutInt("b", 7)
	inner.PutStr("c", "x")
	putAttrs(nested, attr{"d", []any{"1", "2"}}, attr{"e", true}, attr{"f", 1.5})
	nested.PutEmptyMap("http").PutStr("route", "nested keys are attributes")
}

// edgeRecord has semantic values the builder does not take as their column
// (they stay typed attributes), negative sizes, and more attributes than the
// limit.
func edgeRecord(lr plog.LogRecord, ts time.Time) {
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ts.Add(time.Minute)))
	lr.SetSeverityNumber(plog.SeverityNumberFatal2)
	lr.Body().SetStr("")
	putAttrs(lr.Attributes(),
		attr{"log.record.uid", "not-a-uuid"},
		attr{"http.response.status_code", 70000},
		attr{"http.request.body.size", -5},
		attr{"http.response.body.size", -1.9},
		attr{"aires.http.duration_ms", "slow"},
		attr{"http.server.request.duration", -0.5},
		attr{"aires.tags", nil},
	)
	a := lr.Attributes()
	for i := range 200 {
		switch i % 4 {
		case 0:
			a.PutStr(fmt.Sprint("flood.s", i), fmt.Sprint(i))
		case 1:
			a.PutInt(fmt.Sprint("flood.i", i), int64(-i))
		case 2:
			a.PutDouble(fmt.Sprint("flood.f", i), float64(i)/3)
		default:
			a.PutBool(fmt.Sprint("flood.b", i), i%8 == 3)
		}
	}
}

// attr is one attribute: its value as pcommon.Value.FromRaw takes it.
type attr struct {
	key   string
	value any
}

// putAttrs puts attrs into m in order (the row keeps attributes in the order
// they come).
func putAttrs(m pcommon.Map, attrs ...attr) {
	for _, a := range attrs {
		if err := m.PutEmpty(a.key).FromRaw(a.value); err != nil {
			panic(fmt.Sprintf("attribute %s: %v", a.key, err))
		}
	}
}

func fillSlice(s pcommon.Slice, values ...string) {
	for _, v := range values {
		s.AppendEmpty().SetStr(v)
	}
}
