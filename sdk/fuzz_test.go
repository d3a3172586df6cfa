package aires

import (
	"errors"
	"math"
	"testing"
	"unicode/utf8"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/protobuf/proto"
)

// FuzzEncodeEvent drives arbitrary strings and numbers through the options,
// the event and the protobuf encoder: encoding must never panic, must produce
// a batch that marshals (proto3 refuses invalid UTF-8) and must respect the
// documented limits.
func FuzzEncodeEvent(f *testing.F) {
	f.Add("order placed", "order_id", "o-1", int64(3), 1.5, "tag", "0af7651916cd43dd8448eb211c80319c", uint8(3))
	f.Add("\xff\xfe", "\xc3", "\xe2\x82", int64(math.MinInt64), math.NaN(), "", "zz", uint8(0))
	f.Add("", "", "", int64(0), math.Inf(1), "\x00", "", uint8(255))
	f.Fuzz(func(t *testing.T, msg, key, sval string, ival int64, fval float64, tag, traceID string, sev uint8) {
		opts := []Option{
			String(key, sval), Int64(key+"i", ival), Float64(key+"f", fval), Bool(key, ival%2 == 0),
			Strings(key, []string{sval, tag}), Group(key, String(sval, key), Int64(tag, ival)),
			Map(key, map[string]any{sval: tag, "n": ival, "nested": map[string]any{tag: fval}}),
			Any(key, []byte(sval)), WithTags(tag, sval), WithTraceID(traceID), WithSpanID(sval),
			WithSessionID(sval), WithUserID(tag), WithService(sval), WithEnvironment(tag), WithRelease(msg),
			WithHTTP(HTTP{Method: sval, Route: tag, Path: msg, StatusCode: int(ival), RequestSize: ival}),
			WithError(errors.New(msg)), WithErrorInfo(sval, msg, tag),
		}
		ev := getEvent()
		ev.ts, ev.sev, ev.msg = ival, Severity(sev), msg
		ev.apply(opts)
		ev.id = newUUIDv7(ev.ts)
		var enc encoder
		res := encodeResource(&Config{Service: sval, ResourceAttributes: opts[:3]})
		raw := enc.encode(res, []*event{ev, ev})
		var back airesv1.EventBatch
		if err := proto.Unmarshal(raw, &back); err != nil {
			t.Fatalf("the wire encoder produced an invalid batch: %v", err)
		}
		if len(back.Events) != 2 || back.Resource.GetService() != clean(sval, MaxValueBytes) {
			t.Fatalf("batch: %d events, resource %v", len(back.Events), back.Resource)
		}
		e := back.Events[0]
		if e.Message != clean(msg, MaxMessageBytes) || e.SessionId != clean(sval, MaxValueBytes) ||
			e.Http.GetPath() != clean(msg, MaxValueBytes) || e.Error.GetStack() != clean(tag, MaxStackBytes) ||
			int64(e.TimestampUnixNano) != ival || e.Severity != airesv1.Severity(sev) {
			t.Fatalf("fields do not round-trip: %v", e)
		}
		if len(e.Message) > MaxMessageBytes || !utf8.ValidString(e.Message) {
			t.Fatalf("message not cleaned: %d bytes", len(e.Message))
		}
		for _, kv := range e.Attributes {
			if len(kv.Key) > MaxKeyBytes || kv.Key == "" {
				t.Fatalf("bad key %q", kv.Key)
			}
		}
		if len(e.TraceId) != 0 && len(e.TraceId) != 16 || len(e.SpanId) != 0 && len(e.SpanId) != 8 {
			t.Fatalf("bad id lengths %d/%d", len(e.TraceId), len(e.SpanId))
		}
		putEvent(ev)

		// The caller's encoding of the same event (without the error, which
		// the worker encodes) writes the worker's bytes; a large one travels
		// as fields.
		noErr := opts[:len(opts)-2]
		got := encodeEvent(Severity(sev), msg, ival, noErr)
		want := getEvent()
		want.ts, want.sev, want.msg = ival, Severity(sev), msg
		want.apply(noErr)
		if want.id = got.id; len(got.wire) > 0 {
			want.id = [16]byte(got.wire[2:18])
		}
		var we, ge encoder
		if w, g := we.encode(nil, []*event{want}), ge.encode(nil, []*event{got}); string(w) != string(g) {
			t.Fatalf("the caller encoded\n%x\nthe worker encodes\n%x", g, w)
		}
		w := appendEventFields(nil, &want.eventHead, want.attrs, want.tags)
		if g := appendOptionFields(nil, &want.eventHead, noErr); string(w) != string(g) {
			t.Fatalf("appendOptionFields wrote\n%x\nappendEventFields writes\n%x", g, w)
		}
		putEvent(got)
		putEvent(want)
	})
}
