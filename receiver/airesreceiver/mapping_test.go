package airesreceiver

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/proto"

	"github.com/aires-dev/aires/internal/row"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

var testReceived = time.Date(2026, 11, 27, 10, 0, 1, 0, time.UTC)

func convertOne(t *testing.T, res *airesv1.Resource, ev *airesv1.Event) (pcommon.Resource, plog.LogRecord) {
	t.Helper()
	logs := convertBatch(res, []*airesv1.Event{ev}, testReceived, "v9")
	require.Equal(t, 1, logs.ResourceLogs().Len())
	rl := logs.ResourceLogs().At(0)
	require.Equal(t, 1, rl.ScopeLogs().Len())
	sl := rl.ScopeLogs().At(0)
	assert.Equal(t, metadata.ScopeName, sl.Scope().Name())
	assert.Equal(t, "github.com/aires-dev/aires/receiver/airesreceiver", sl.Scope().Name())
	assert.Equal(t, "v9", sl.Scope().Version())
	require.Equal(t, 1, sl.LogRecords().Len())
	return rl.Resource(), sl.LogRecords().At(0)
}

func TestConvertFullEvent(t *testing.T) {
	res, lr := convertOne(t, testResource(), fullEvent())

	assert.Equal(t, map[string]any{
		"service.name":                "shop",
		"deployment.environment.name": "prod",
		"service.version":             "1.2.3",
		"host.name":                   "web-1",
		"k8s.pod.name":                "shop-abc",
	}, res.Attributes().AsRaw())

	assert.Equal(t, pcommon.NewTimestampFromTime(testTime), lr.Timestamp())
	assert.Equal(t, pcommon.NewTimestampFromTime(testReceived), lr.ObservedTimestamp())
	assert.Equal(t, plog.SeverityNumberError, lr.SeverityNumber())
	assert.Equal(t, "ERROR", lr.SeverityText())
	assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
	assert.Equal(t, "order failed", lr.Body().Str())
	assert.Equal(t, pcommon.TraceID(testTraceID), lr.TraceID())
	assert.Equal(t, pcommon.SpanID(testSpanID), lr.SpanID())

	assert.Equal(t, map[string]any{
		"log.record.uid": "01936b5e-2a10-7c3d-8e4f-112233445566",
		"session.id":     "sess-1",
		"user.id":        "user-42",
		"order.id":       "o-1",
		"items":          int64(3),
		"amount":         9.5,
		"paid":           true,
		"skus":           []any{"a", int64(7)},
		"customer":       map[string]any{"tier": "gold", "age": int64(40)},
		"aires.tags":     []any{"checkout", "payments"},

		"http.request.method":       "POST",
		"http.route":                "/orders/{id}",
		"url.path":                  "/orders/17",
		"url.full":                  "https://shop.example/orders/17",
		"http.response.status_code": int64(502),
		"aires.http.duration_ms":    12.5,
		"http.request.body.size":    int64(321),
		"http.response.body.size":   int64(45),
		"user_agent.original":       "curl/8.0",
		"client.address":            "10.0.0.7",

		"exception.type":       "*net.OpError",
		"exception.message":    "connection refused",
		"exception.stacktrace": "main.go:42",
	}, lr.Attributes().AsRaw())

	// Typed values stay typed.
	v, _ := lr.Attributes().Get("http.response.status_code")
	assert.Equal(t, pcommon.ValueTypeInt, v.Type())
	v, _ = lr.Attributes().Get("aires.http.duration_ms")
	assert.Equal(t, pcommon.ValueTypeDouble, v.Type())
	v, _ = lr.Attributes().Get("skus")
	assert.Equal(t, pcommon.ValueTypeSlice, v.Type())
	v, _ = lr.Attributes().Get("customer")
	assert.Equal(t, pcommon.ValueTypeMap, v.Type())
}

// TestConvertEventFields changes one field of a minimal event at a time and
// checks what lands in the log record.
func TestConvertEventFields(t *testing.T) {
	const uid = "01936b5e-2a10-7c3d-8e4f-112233445566"
	tests := []struct {
		name  string
		event func(ev *airesv1.Event)
		check func(t *testing.T, lr plog.LogRecord)
		// attrs is the whole attribute map expected; nil skips the check.
		attrs map[string]any
	}{
		{
			name:  "minimal",
			event: func(*airesv1.Event) {},
			attrs: map[string]any{"log.record.uid": uid},
			check: func(t *testing.T, lr plog.LogRecord) {
				assert.Equal(t, "m", lr.Body().Str())
				assert.True(t, lr.TraceID().IsEmpty())
				assert.True(t, lr.SpanID().IsEmpty())
			},
		},
		{
			name:  "empty message leaves the body empty",
			event: func(ev *airesv1.Event) { ev.Message = "" },
			check: func(t *testing.T, lr plog.LogRecord) {
				assert.Equal(t, pcommon.ValueTypeEmpty, lr.Body().Type())
			},
		},
		{
			name:  "zero timestamp becomes the receive time",
			event: func(ev *airesv1.Event) { ev.TimestampUnixNano = 0 },
			check: func(t *testing.T, lr plog.LogRecord) {
				assert.Equal(t, pcommon.NewTimestampFromTime(testReceived), lr.Timestamp())
				assert.Equal(t, pcommon.NewTimestampFromTime(testReceived), lr.ObservedTimestamp())
			},
		},
		{
			name:  "missing id gets a UUID v7",
			event: func(ev *airesv1.Event) { ev.Id = nil },
			check: func(t *testing.T, lr plog.LogRecord) {
				v, ok := lr.Attributes().Get("log.record.uid")
				require.True(t, ok)
				id, err := uuid.Parse(v.Str())
				require.NoError(t, err)
				assert.Equal(t, uuid.Version(7), id.Version())
				assert.Equal(t, id.String(), v.Str(), "canonical lowercase form")
			},
		},
		{
			name:  "trace and span ids",
			event: func(ev *airesv1.Event) { ev.TraceId, ev.SpanId = testTraceID, testSpanID },
			check: func(t *testing.T, lr plog.LogRecord) {
				assert.Equal(t, "0102030405060708090a0b0c0d0e0f10", lr.TraceID().String())
				assert.Equal(t, "0102030405060708", lr.SpanID().String())
			},
		},
		{
			name:  "session and user",
			event: func(ev *airesv1.Event) { ev.SessionId, ev.UserId = "s", "u" },
			attrs: map[string]any{"log.record.uid": uid, "session.id": "s", "user.id": "u"},
		},
		{
			name:  "tags",
			event: func(ev *airesv1.Event) { ev.Tags = []string{"a"} },
			attrs: map[string]any{"log.record.uid": uid, "aires.tags": []any{"a"}},
		},
		{
			name:  "empty http info sets nothing",
			event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{} },
			attrs: map[string]any{"log.record.uid": uid},
		},
		{
			name:  "http status only",
			event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{StatusCode: 200} },
			attrs: map[string]any{"log.record.uid": uid, "http.response.status_code": int64(200)},
		},
		{
			name:  "http method and duration",
			event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{Method: "GET", DurationMs: 0.25} },
			attrs: map[string]any{"log.record.uid": uid, "http.request.method": "GET", "aires.http.duration_ms": 0.25},
		},
		{
			name:  "error type only",
			event: func(ev *airesv1.Event) { ev.Error = &airesv1.ErrorInfo{Type: "E"} },
			attrs: map[string]any{"log.record.uid": uid, "exception.type": "E"},
		},
		{
			name: "explicit fields win over user attributes",
			event: func(ev *airesv1.Event) {
				ev.UserId = "real"
				ev.Http = &airesv1.HttpInfo{StatusCode: 404}
				ev.Attributes = []*airesv1.KeyValue{
					kv("user.id", strVal("fake")),
					kv("http.response.status_code", strVal("nope")),
					kv("log.record.uid", strVal("fake")),
					kv("x", strVal("kept")),
				}
			},
			attrs: map[string]any{"log.record.uid": uid, "user.id": "real", "http.response.status_code": int64(404), "x": "kept"},
		},
		{
			name: "a later duplicate user attribute wins",
			event: func(ev *airesv1.Event) {
				ev.Attributes = []*airesv1.KeyValue{kv("k", strVal("1")), kv("k", intVal(2))}
			},
			attrs: map[string]any{"log.record.uid": uid, "k": int64(2)},
		},
		{
			name: "attribute without a value is empty",
			event: func(ev *airesv1.Event) {
				ev.Attributes = []*airesv1.KeyValue{{Key: "nothing"}}
			},
			attrs: map[string]any{"log.record.uid": uid, "nothing": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := minimalEvent("m")
			tt.event(ev)
			_, lr := convertOne(t, &airesv1.Resource{}, ev)
			if tt.attrs != nil {
				assert.Equal(t, tt.attrs, lr.Attributes().AsRaw())
			}
			if tt.check != nil {
				tt.check(t, lr)
			}
		})
	}
}

func TestConvertSeverity(t *testing.T) {
	tests := []struct {
		in   airesv1.Severity
		num  plog.SeverityNumber
		text string
	}{
		{airesv1.Severity_SEVERITY_UNSPECIFIED, 9, "INFO"},
		{airesv1.Severity_SEVERITY_TRACE, 1, "TRACE"},
		{airesv1.Severity_SEVERITY_DEBUG, 5, "DEBUG"},
		{airesv1.Severity_SEVERITY_INFO, 9, "INFO"},
		{airesv1.Severity_SEVERITY_WARN, 13, "WARN"},
		{airesv1.Severity_SEVERITY_ERROR, 17, "ERROR"},
		{airesv1.Severity_SEVERITY_FATAL, 21, "FATAL"},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			ev := minimalEvent("m")
			ev.Severity = tt.in
			_, lr := convertOne(t, &airesv1.Resource{}, ev)
			assert.Equal(t, tt.num, lr.SeverityNumber())
			assert.Equal(t, tt.text, lr.SeverityText())
		})
	}
}

func TestConvertResource(t *testing.T) {
	tests := []struct {
		name  string
		res   *airesv1.Resource
		event func(*airesv1.Event)
		want  map[string]any
	}{
		{
			name:  "no resource",
			res:   nil,
			event: func(*airesv1.Event) {},
			want:  map[string]any{},
		},
		{
			name:  "batch resource",
			res:   testResource(),
			event: func(*airesv1.Event) {},
			want: map[string]any{
				"service.name": "shop", "deployment.environment.name": "prod",
				"service.version": "1.2.3", "host.name": "web-1", "k8s.pod.name": "shop-abc",
			},
		},
		{
			name: "per-event override wins",
			res:  testResource(),
			event: func(ev *airesv1.Event) {
				ev.Service, ev.Environment, ev.Release = "billing", "staging", "2.0"
			},
			want: map[string]any{
				"service.name": "billing", "deployment.environment.name": "staging",
				"service.version": "2.0", "host.name": "web-1", "k8s.pod.name": "shop-abc",
			},
		},
		{
			name: "explicit fields win over resource attributes",
			res: &airesv1.Resource{
				Service:    "shop",
				Attributes: []*airesv1.KeyValue{kv("service.name", strVal("other")), kv("team", strVal("core"))},
			},
			event: func(*airesv1.Event) {},
			want:  map[string]any{"service.name": "shop", "team": "core"},
		},
		{
			name:  "only set fields",
			res:   &airesv1.Resource{Host: "h"},
			event: func(*airesv1.Event) {},
			want:  map[string]any{"host.name": "h"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := minimalEvent("m")
			tt.event(ev)
			res, _ := convertOne(t, tt.res, ev)
			assert.Equal(t, tt.want, res.Attributes().AsRaw())
		})
	}
}

// TestConvertGroupsByEffectiveResource: one ResourceLogs per effective
// resource, in the order of their first events, each with its records in
// event order, on the wire path (events converted as they are read, a
// rejected one skipped) and the reference path.
func TestConvertGroupsByEffectiveResource(t *testing.T) {
	type group struct {
		service string
		bodies  []string
	}
	for _, tc := range []struct {
		name   string
		events func(evs []*airesv1.Event) // five events, bodies "0" to "4"
		want   []group
	}{
		{
			name: "overrides between events of the batch's resource",
			events: func(evs []*airesv1.Event) {
				evs[1].Service, evs[3].Service = "billing", "billing"
				evs[4].Release = "1.2.3" // the batch's own: its group
			},
			want: []group{{"shop", []string{"0", "2", "4"}}, {"billing", []string{"1", "3"}}},
		},
		{
			name: "an override first",
			events: func(evs []*airesv1.Event) {
				evs[0].Service, evs[4].Service = "billing", "billing"
			},
			want: []group{{"billing", []string{"0", "4"}}, {"shop", []string{"1", "2", "3"}}},
		},
		{
			name: "an override equal to the batch's resource first",
			events: func(evs []*airesv1.Event) {
				evs[0].Service = "shop"
				evs[2].Environment = "staging"
			},
			want: []group{{"shop", []string{"0", "1", "3", "4"}}, {"shop", []string{"2"}}},
		},
		{
			name: "a rejected event",
			events: func(evs []*airesv1.Event) {
				evs[1].Service = "billing"
				evs[2].Id = []byte{1, 2, 3} // not 16 bytes
			},
			want: []group{{"shop", []string{"0", "3", "4"}}, {"billing", []string{"1"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batch := &airesv1.EventBatch{Resource: testResource()}
			for i := range 5 {
				batch.Events = append(batch.Events, minimalEvent(strconv.Itoa(i)))
			}
			tc.events(batch.Events)
			raw := mustMarshal(batch)
			for name, convert := range map[string]func([]byte, time.Time, int, int, string) (batchResult, error){
				"wire": decodeConvert, "reference": referenceDecodeConvert,
			} {
				br, err := convert(raw, testReceived, 100, 100, "")
				require.NoError(t, err, name)
				var got []group
				for _, rl := range br.logs.ResourceLogs().All() {
					svc, _ := rl.Resource().Attributes().Get("service.name")
					g := group{service: svc.Str()}
					require.Equal(t, 1, rl.ScopeLogs().Len())
					for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
						g.bodies = append(g.bodies, lr.Body().Str())
					}
					got = append(got, g)
				}
				assert.Equal(t, tc.want, got, name)
			}
		})
	}
}

func TestConvertEmpty(t *testing.T) {
	logs := convertBatch(testResource(), nil, testReceived, "")
	assert.Equal(t, 0, logs.ResourceLogs().Len())
}

// benchBatch is a batch of n realistic events.
func benchBatch(n int) *airesv1.EventBatch {
	b := &airesv1.EventBatch{Resource: testResource()}
	for i := range n {
		ev := minimalEvent("order placed")
		ev.TraceId, ev.SpanId = testTraceID, testSpanID
		ev.Attributes = []*airesv1.KeyValue{
			kv("order.id", strVal("o-1")), kv("items", intVal(int64(i))),
			kv("amount", &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: 9.5}}),
		}
		if i%4 == 0 {
			ev.Http = &airesv1.HttpInfo{Method: "GET", Route: "/orders/{id}", StatusCode: 200, DurationMs: 3.5}
		}
		b.Events = append(b.Events, ev)
	}
	return b
}

// BenchmarkDecodeConvert measures decode + validate + convert of a 256-event
// batch, what the receiver does per request apart from I/O; the Reference
// variants run the reference path (generated structs) on the same input.
func BenchmarkDecodeConvert(b *testing.B) {
	benchDecodeConvert(b, benchBatch(256), decodeConvert)
}

// BenchmarkDecodeConvertSDKBatch is the same for 2,048 events, the Go
// SDK's default batch size.
func BenchmarkDecodeConvertSDKBatch(b *testing.B) {
	benchDecodeConvert(b, benchBatch(2048), decodeConvert)
}

func BenchmarkDecodeConvertReference(b *testing.B) {
	benchDecodeConvert(b, benchBatch(256), referenceDecodeConvert)
}

// BenchmarkDecodeConvertFull is the same with events setting every field.
func BenchmarkDecodeConvertFull(b *testing.B) {
	benchDecodeConvert(b, fullBatch(256), decodeConvert)
}

func BenchmarkDecodeConvertFullReference(b *testing.B) {
	benchDecodeConvert(b, fullBatch(256), referenceDecodeConvert)
}

// BenchmarkDecodeConvertWide: 40 string attributes per event, the same keys
// in every event (the bench's wide shape).
func BenchmarkDecodeConvertWide(b *testing.B) {
	benchDecodeConvert(b, wideBatch(256, 40), decodeConvert)
}

func wideBatch(n, attrs int) *airesv1.EventBatch {
	batch := &airesv1.EventBatch{Resource: testResource()}
	for range n {
		ev := minimalEvent("order placed")
		for i := range attrs {
			ev.Attributes = append(ev.Attributes, kv(fmt.Sprintf("attr.%02d", i), strVal(fmt.Sprintf("value-%02d-abcdef", i))))
		}
		batch.Events = append(batch.Events, ev)
	}
	return batch
}

func fullBatch(n int) *airesv1.EventBatch {
	batch := &airesv1.EventBatch{Resource: testResource()}
	for range n {
		batch.Events = append(batch.Events, fullEvent())
	}
	return batch
}

func benchDecodeConvert(b *testing.B, batch *airesv1.EventBatch,
	decode func([]byte, time.Time, int, int, string) (batchResult, error),
) {
	n := len(batch.Events)
	raw, err := proto.Marshal(batch)
	require.NoError(b, err)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	now := time.Now()
	for b.Loop() {
		br, err := decode(raw, now, 10000, 256, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(br.rejections) > 0 {
			b.Fatal(br.rejections[0].Reason)
		}
		if br.logs.LogRecordCount() != n {
			b.Fatal("lost events")
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { _, _ = decode(raw, now, 10000, 256, "") }))/float64(n), "allocs/event")
}

// BenchmarkConvert isolates the conversion to plog.
func BenchmarkConvert(b *testing.B) {
	const n = 256
	batch := benchBatch(n)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = convertBatch(batch.Resource, batch.Events, now, "")
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

// The records the receiver writes are canonical as the aires_transform
// processor proves it (row.Builder.IsCanonical), so the processor passes
// them on without building their rows: realistic and wide events. An
// event with a map or a list attribute is not: the processor flattens it.
func TestRecordsAreCanonical(t *testing.T) {
	b := row.NewBuilder(row.Limits{})
	for name, tc := range map[string]struct {
		batch     *airesv1.EventBatch
		canonical bool
	}{
		"realistic":        {benchBatch(8), true},
		"wide":             {wideBatch(2, 40), true},
		"map and list too": {fullBatch(2), false},
	} {
		batch := tc.batch
		t.Run(name, func(t *testing.T) {
			br, err := decodeConvert(mustMarshal(batch), time.Now(), 10000, 256, "")
			require.NoError(t, err)
			require.Empty(t, br.rejections)
			require.Equal(t, len(batch.Events), br.logs.LogRecordCount())
			for _, rl := range br.logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						assert.Equal(t, tc.canonical, b.IsCanonical(lr), "%v", lr.Attributes().AsRaw())
					}
				}
			}
		})
	}
}
