package aires

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/protobuf/proto"
)

// apply sets e's fields from opts as Client.emit gathers them: the event in
// the form the worker encodes itself.
func (e *event) apply(opts []Option) {
	e.attrs, e.tags = e.collect(opts, e.attrs, e.tags)
}

// The scalar attributes' one-pass encoding writes exactly the bytes the
// generated code writes, at every length boundary of a varint.
func TestKVScalarMatchesGeneratedCode(t *testing.T) {
	str := func(s string) *airesv1.AnyValue {
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: s}}
	}
	i64 := func(v int64) *airesv1.AnyValue {
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: v}}
	}
	for _, tc := range []struct {
		name string
		opt  Option
		key  string
		want *airesv1.AnyValue
	}{
		{"short string", String("order_id", "o-12345"), "order_id", str("o-12345")},
		{"empty string", String("k", ""), "k", str("")},
		{"string of 127 bytes", String("k", strings.Repeat("a", 127)), "k", str(strings.Repeat("a", 127))},
		{"string of 128 bytes", String("k", strings.Repeat("a", 128)), "k", str(strings.Repeat("a", 128))},
		{"string over the limit", String("k", strings.Repeat("a", MaxValueBytes+5)), "k", str(strings.Repeat("a", MaxValueBytes))},
		{"invalid UTF-8", String("k\xff", "v\xfe"), "k\uFFFD", str("v\uFFFD")},
		{"key over the limit", String(strings.Repeat("k", MaxKeyBytes+1), "v"), strings.Repeat("k", MaxKeyBytes), str("v")},
		{"zero", Int("n", 0), "n", i64(0)},
		{"int", Int("items", 3), "items", i64(3)},
		{"negative int", Int64("n", -1), "n", i64(-1)},
		{"max int", Int64("n", math.MaxInt64), "n", i64(math.MaxInt64)},
		{"double", Float64("f", 1.5), "f", &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: 1.5}}},
		{"zero double", Float64("f", 0), "f", &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: 0}}},
		{"true", Bool("paid", true), "paid", &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: true}}},
		{"false", Bool("paid", false), "paid", &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.opt.toAttr()
			got := appendKV(nil, fEvAttributes, &a, 0)
			want, err := proto.Marshal(&airesv1.Event{Attributes: []*airesv1.KeyValue{{Key: tc.key, Value: tc.want}}})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded\n%x\nthe generated code writes\n%x", got, want)
			}
		})
	}
}

// BenchmarkEncodeEvent is the worker's encoding of one event with a message
// and three attributes (string, int, bool), the event of bench/sdkcompare.
func BenchmarkEncodeEvent(b *testing.B) {
	ev := getEvent()
	ev.ts, ev.sev, ev.msg = 1_700_000_000_000_000_000, SeverityInfo, "order placed"
	ev.apply([]Option{String("order_id", "o-12345"), Int("items", 3), Bool("paid", true)})
	ev.id = newUUIDv7(ev.ts)
	var enc encoder
	enc.start(nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2048 == 0 {
			enc.start(nil)
		}
		enc.add(ev)
	}
}

// The caller's encoding (Client.emit, from the options themselves) writes exactly the bytes the worker's encoding of
// the same event writes; an event with an error or a large one travels as
// fields instead, and the worker's encoding of those is the same too.
func TestCallerEncodingMatchesWorker(t *testing.T) {
	many := make([]Option, 0, 20)
	for i := range 20 {
		many = append(many, Int(strings.Repeat("k", i+1), i))
	}
	for _, tc := range []struct {
		name     string
		opts     []Option
		asFields bool
	}{
		{"no options", nil, false},
		{"three scalars", []Option{String("order_id", "o-12345"), Int("items", 3), Bool("paid", true)}, false},
		{"ids and tags", []Option{WithTraceID("0af7651916cd43dd8448eb211c80319c"), WithSpanID("b7ad6b7169203331"),
			WithUserID("u-1"), WithSessionID("s-1"), WithTags("a", "b", "c", "d", "e", "f")}, false},
		{"nested and lists", []Option{Group("g", String("a", "b"), Int("n", 1)), Strings("s", []string{"x", "\xff"}),
			Map("m", map[string]any{"k": 1.5}), Float64("f", 2.5)}, false},
		{"resource overrides and http", []Option{WithService("svc"), WithEnvironment("prod"), WithRelease("1.2"),
			WithHTTP(HTTP{Method: "GET", Route: "/r", StatusCode: 200, Duration: 3})}, false},
		{"twenty options", many, false},
		{"more attributes and tags than the limits", append(append([]Option{WithTags(make([]string, MaxTags)...)}, many...),
			Map("m", map[string]any{"a": 1, "b": "c"}), Group("g", String("x", "y")), WithTags("over"), String("", "empty key"),
			Attrs(func() map[string]any {
				m := map[string]any{}
				for i := range MaxAttributes {
					m[strings.Repeat("a", i+1)] = i
				}
				return m
			}())), true},
		{"an error", []Option{String("k", "v"), WithErrorInfo("*os.PathError", "no such file", "main.main()")}, true},
		{"a large value", []Option{String("body", strings.Repeat("b", callerEncodeMax))}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const ts = 1_700_000_000_123_456_789
			got := encodeEvent(SeverityWarn, "order placed", ts, tc.opts)
			defer putEvent(got)
			want := getEvent()
			defer putEvent(want)
			want.ts, want.sev, want.msg = ts, SeverityWarn, "order placed"
			want.apply(tc.opts)
			if tc.asFields {
				if len(got.wire) != 0 || got.ts != ts {
					t.Fatalf("want the event as fields, got %d encoded bytes and fields %+v", len(got.wire), got.eventHead)
				}
				want.id = got.id // the same UUID: its low bits are random
			} else {
				if len(got.wire) == 0 || got.eventHead != (eventHead{}) || len(got.attrs)+len(got.tags) != 0 {
					t.Fatalf("the caller left an event with %d encoded bytes and fields %+v", len(got.wire), got.eventHead)
				}
				want.id = [16]byte(got.wire[2:18])
			}
			var we, ge encoder
			if w, g := we.encode(nil, []*event{want}), ge.encode(nil, []*event{got}); !bytes.Equal(g, w) {
				t.Fatalf("the caller's event encodes as\n%x\nthe worker's as\n%x", g, w)
			}
			// The caller's encoding itself, whichever way this event went.
			w := appendEventFields(nil, &want.eventHead, want.attrs, want.tags)
			if g := appendOptionFields(nil, &want.eventHead, tc.opts); !bytes.Equal(g, w) {
				t.Fatalf("appendOptionFields wrote\n%x\nappendEventFields writes\n%x", g, w)
			}
		})
	}
}

// BenchmarkEncodeCaller is the caller's side of Client.emit for the event
// of bench/sdkcompare (a message and three attributes): its fields from the
// options, encoded into a pooled event.
func BenchmarkEncodeCaller(b *testing.B) {
	opts := []Option{String("order_id", "o-12345"), Int("items", 3), Bool("paid", true)}
	b.ReportAllocs()
	for b.Loop() {
		putEvent(encodeEvent(SeverityInfo, "order placed", 1_700_000_000_000_000_000, opts))
	}
}

// clean's ASCII shortcut keeps every string it returns valid and within
// its limit, around the shortcut's length and the smallest limit.
func TestCleanShortStrings(t *testing.T) {
	for _, s := range []string{"", "a", strings.Repeat("a", shortString), strings.Repeat("a", shortString+1),
		"caf\xc3\xa9", "\xff", strings.Repeat("a", shortString-1) + "\xff", "\x7f\x00"} {
		for _, max := range []int{MaxKeyBytes, MaxValueBytes} {
			got := clean(s, max)
			if !utf8.ValidString(got) || len(got) > max || (utf8.ValidString(s) && got != s) {
				t.Errorf("clean(%q, %d) = %q", s, max, got)
			}
		}
	}
}
