package airesreceiver

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

func TestValidateEvent(t *testing.T) {
	now := testTime.Add(time.Second)
	nested := func(depth int) *airesv1.AnyValue {
		v := strVal("leaf")
		for range depth {
			v = &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
				Values: []*airesv1.KeyValue{kv("n", v)},
			}}}
		}
		return v
	}
	manyAttrs := func(n int) []*airesv1.KeyValue {
		out := make([]*airesv1.KeyValue, n)
		for i := range out {
			out[i] = kv("k", intVal(int64(i)))
		}
		return out
	}

	tests := []struct {
		name   string
		event  func(ev *airesv1.Event)
		reason string // "" means valid; otherwise a substring of the reason
	}{
		{name: "full event", event: func(ev *airesv1.Event) { *ev = *fullEvent() }},
		{name: "minimal", event: func(*airesv1.Event) {}},
		{name: "no id", event: func(ev *airesv1.Event) { ev.Id = nil }},
		{name: "short id", event: func(ev *airesv1.Event) { ev.Id = []byte{1, 2, 3} }, reason: "id has 3 bytes, want 16"},
		{name: "long id", event: func(ev *airesv1.Event) { ev.Id = make([]byte, 17) }, reason: "id has 17 bytes"},
		{name: "zero timestamp", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = 0 }},
		{name: "timestamp in seconds", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = uint64(testTime.Unix()) }, reason: "absurd timestamp"},
		{name: "timestamp 1999", event: func(ev *airesv1.Event) {
			ev.TimestampUnixNano = uint64(time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC).UnixNano())
		}, reason: "absurd timestamp"},
		{name: "timestamp 2000-01-01", event: func(ev *airesv1.Event) {
			ev.TimestampUnixNano = uint64(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		}},
		{name: "timestamp 23h ahead", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = uint64(now.Add(23 * time.Hour).UnixNano()) }},
		{name: "timestamp 25h ahead", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = uint64(now.Add(25 * time.Hour).UnixNano()) }, reason: "absurd timestamp"},
		{name: "timestamp above int64", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = math.MaxUint64 }, reason: "absurd timestamp"},
		{name: "timestamp 2200", event: func(ev *airesv1.Event) {
			ev.TimestampUnixNano = uint64(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		}, reason: "absurd timestamp"},
		{name: "timestamp 2^63-1", event: func(ev *airesv1.Event) { ev.TimestampUnixNano = math.MaxInt64 }, reason: "absurd timestamp"},
		{name: "unspecified severity", event: func(ev *airesv1.Event) { ev.Severity = airesv1.Severity_SEVERITY_UNSPECIFIED }},
		{name: "fatal severity", event: func(ev *airesv1.Event) { ev.Severity = airesv1.Severity_SEVERITY_FATAL }},
		{name: "unknown severity", event: func(ev *airesv1.Event) { ev.Severity = 7 }, reason: "unknown severity 7"},
		{name: "negative severity", event: func(ev *airesv1.Event) { ev.Severity = -1 }, reason: "unknown severity -1"},
		{name: "short trace id", event: func(ev *airesv1.Event) { ev.TraceId = []byte{1} }, reason: "trace_id has 1 bytes, want 16"},
		{name: "short span id", event: func(ev *airesv1.Event) { ev.SpanId = make([]byte, 16) }, reason: "span_id has 16 bytes, want 8"},
		{name: "invalid utf-8 message", event: func(ev *airesv1.Event) { ev.Message = "a\xffb" }, reason: "message is not valid UTF-8"},
		{name: "invalid utf-8 service", event: func(ev *airesv1.Event) { ev.Service = "\xff" }, reason: "service is not valid UTF-8"},
		{name: "invalid utf-8 environment", event: func(ev *airesv1.Event) { ev.Environment = "\xff" }, reason: "environment is not valid UTF-8"},
		{name: "invalid utf-8 release", event: func(ev *airesv1.Event) { ev.Release = "\xff" }, reason: "release is not valid UTF-8"},
		{name: "invalid utf-8 session", event: func(ev *airesv1.Event) { ev.SessionId = "\xff" }, reason: "session_id is not valid UTF-8"},
		{name: "invalid utf-8 user", event: func(ev *airesv1.Event) { ev.UserId = "\xff" }, reason: "user_id is not valid UTF-8"},
		{name: "invalid utf-8 tag", event: func(ev *airesv1.Event) { ev.Tags = []string{"ok", "\xff"} }, reason: "tags[1] is not valid UTF-8"},
		{name: "invalid utf-8 http route", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{Route: "\xff"} }, reason: "http.route is not valid UTF-8"},
		{name: "invalid utf-8 user agent", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{UserAgent: "\xff"} }, reason: "http.user_agent is not valid UTF-8"},
		{name: "invalid utf-8 error stack", event: func(ev *airesv1.Event) { ev.Error = &airesv1.ErrorInfo{Stack: "\xff"} }, reason: "error.stack is not valid UTF-8"},
		{name: "invalid utf-8 attribute key", event: func(ev *airesv1.Event) { ev.Attributes = []*airesv1.KeyValue{kv("\xff", intVal(1))} }, reason: "attribute key is not valid UTF-8"},
		{name: "invalid utf-8 attribute value", event: func(ev *airesv1.Event) { ev.Attributes = []*airesv1.KeyValue{kv("k", strVal("\xff"))} }, reason: `attribute "k": value is not valid UTF-8`},
		{name: "invalid utf-8 in a list", event: func(ev *airesv1.Event) {
			ev.Attributes = []*airesv1.KeyValue{kv("l", &airesv1.AnyValue{Value: &airesv1.AnyValue_ArrayValue{ArrayValue: &airesv1.ArrayValue{
				Values: []*airesv1.AnyValue{strVal("ok"), strVal("\xff")},
			}}})}
		}, reason: `attribute "l": value is not valid UTF-8`},
		{name: "invalid utf-8 deep inside", event: func(ev *airesv1.Event) {
			ev.Attributes = []*airesv1.KeyValue{kv("a", &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
				Values: []*airesv1.KeyValue{kv("b", strVal("\xff"))},
			}}})}
		}, reason: `attribute "a.b": value is not valid UTF-8`},
		{name: "http status 999", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{StatusCode: 999} }},
		{name: "http status 1000", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{StatusCode: 1000} }, reason: "http.status_code 1000"},
		{name: "http negative duration", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{DurationMs: -1} }, reason: "http.duration_ms -1"},
		{name: "http NaN duration", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{DurationMs: math.NaN()} }, reason: "http.duration_ms NaN"},
		{name: "http infinite duration", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{DurationMs: math.Inf(1)} }, reason: "http.duration_ms +Inf"},
		{name: "http negative request size", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{RequestSize: -1} }, reason: "http.request_size -1"},
		{name: "http negative response size", event: func(ev *airesv1.Event) { ev.Http = &airesv1.HttpInfo{ResponseSize: -2} }, reason: "http.response_size -2"},
		{name: "empty attribute key", event: func(ev *airesv1.Event) { ev.Attributes = []*airesv1.KeyValue{kv("", intVal(1))} }, reason: "attribute with an empty key"},
		{name: "nil attribute", event: func(ev *airesv1.Event) { ev.Attributes = []*airesv1.KeyValue{nil} }, reason: "attribute with an empty key"},
		{name: "empty nested key", event: func(ev *airesv1.Event) {
			ev.Attributes = []*airesv1.KeyValue{kv("m", &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
				Values: []*airesv1.KeyValue{kv("", intVal(1))},
			}}})}
		}, reason: "attribute with an empty key"},
		{name: "attributes at the limit", event: func(ev *airesv1.Event) { ev.Attributes = manyAttrs(8) }},
		{name: "attributes over the limit", event: func(ev *airesv1.Event) { ev.Attributes = manyAttrs(9) }, reason: "more than max_attributes_per_event (8)"},
		{name: "nested attributes count", event: func(ev *airesv1.Event) {
			ev.Attributes = append(manyAttrs(5), kv("m", &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
				Values: manyAttrs(3),
			}}}))
		}, reason: "more than max_attributes_per_event (8)"},
		{name: "nesting at the limit", event: func(ev *airesv1.Event) {
			ev.Attributes = []*airesv1.KeyValue{kv("deep", nested(maxAttributeDepth-1))}
		}},
		{name: "nesting too deep", event: func(ev *airesv1.Event) {
			ev.Attributes = []*airesv1.KeyValue{kv("deep", nested(maxAttributeDepth))}
		}, reason: "nest deeper than 16 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := minimalEvent("m")
			tt.event(ev)
			max := 8
			if tt.name == "full event" || strings.HasPrefix(tt.name, "nesting") {
				max = 256
			}
			got := validateEvent(ev, now, max)
			if tt.reason == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.reason)
		})
	}
}

func TestValidateNilEvent(t *testing.T) {
	assert.Equal(t, "event is empty", validateEvent(nil, time.Now(), 8))
}

func TestValidateReasonsAreReadable(t *testing.T) {
	ev := minimalEvent("m")
	ev.TimestampUnixNano = 1
	reason := validateEvent(ev, time.Now(), 8)
	assert.True(t, strings.HasPrefix(reason, "absurd timestamp 1 ns"), reason)
	assert.Contains(t, reason, "or 0 for the receive time")
}
