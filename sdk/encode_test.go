package aires

import (
	"bytes"
	"math"
	"strings"
	"testing"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/protobuf/proto"
)

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
			var enc encoder
			got := enc.kv(nil, fEvAttributes, &a, 0)
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
