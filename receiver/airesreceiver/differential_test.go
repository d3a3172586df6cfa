package airesreceiver

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aires-dev/aires/internal/semconv"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// diffNow is the receive time of the differential tests.
var diffNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// compareWithReference runs raw through decodeConvert and through the
// reference path and fails when the outcomes differ: batch error, accepted
// count, rejections (index and reason) and the log records, byte for byte
// once generated ids are masked.
func compareWithReference(t testing.TB, raw []byte, maxEvents, maxAttributes int) {
	t.Helper()
	// decodeConvert aliases its input: give it a private copy, as the
	// receiver does.
	got, gotErr := decodeConvert(bytes.Clone(raw), diffNow, maxEvents, maxAttributes, "v1")
	want, wantErr := referenceDecodeConvert(raw, diffNow, maxEvents, maxAttributes, "v1")
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("batch error: got %v, want %v", gotErr, wantErr)
	}
	if gotErr != nil {
		gb, gok := asBatchError(gotErr)
		wb, wok := asBatchError(wantErr)
		if !gok || !wok || gb.msg != wb.msg || gb.events != wb.events {
			t.Fatalf("batch error: got %#v, want %#v", gotErr, wantErr)
		}
		return
	}
	if got.accepted != want.accepted {
		t.Fatalf("accepted: got %d, want %d", got.accepted, want.accepted)
	}
	if len(got.rejections) != len(want.rejections) {
		t.Fatalf("rejections: got %v, want %v", got.rejections, want.rejections)
	}
	for i := range got.rejections {
		g, w := got.rejections[i], want.rejections[i]
		if g.Index != w.Index || g.Reason != w.Reason {
			t.Fatalf("rejection %d: got %d %q, want %d %q", i, g.Index, g.Reason, w.Index, w.Reason)
		}
	}
	gb, err := (&plog.ProtoMarshaler{}).MarshalLogs(maskGeneratedIDs(got.logs))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := (&plog.ProtoMarshaler{}).MarshalLogs(maskGeneratedIDs(want.logs))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gb, wb) {
		gj, _ := (&plog.JSONMarshaler{}).MarshalLogs(got.logs)
		wj, _ := (&plog.JSONMarshaler{}).MarshalLogs(want.logs)
		t.Fatalf("log records differ:\ngot  %s\nwant %s", gj, wj)
	}
}

// maskGeneratedIDs replaces the log.record.uid values that are UUID v7 (the
// ones the collector generates for events without an id, which differ from
// run to run) with a fixed string.
func maskGeneratedIDs(logs plog.Logs) plog.Logs {
	out := plog.NewLogs()
	logs.CopyTo(out)
	rls := out.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				attrs := lrs.At(k).Attributes()
				if v, ok := attrs.Get(semconv.LogRecordUID); ok && v.Type() == pcommon.ValueTypeStr {
					if id, err := uuid.Parse(v.Str()); err == nil && id.Version() == 7 {
						v.SetStr("generated")
					}
				}
			}
		}
	}
	return out
}

// batchGen makes random batches that exercise every rule of validation and
// mapping and the corners of protobuf decoding (repeated and merged fields,
// unknown fields, wrong wire types, invalid UTF-8, truncation).
type batchGen struct {
	r *rand.Rand
	// valid, when set, makes the generator avoid the values validation
	// rejects (most of the time), so that conversion is compared too.
	valid *bool
	// sharedKeys are the attribute keys most events of the current batch
	// share (nil: none), so that the receiver's key template is compared too.
	sharedKeys *[]string
}

func (g batchGen) bad() bool { return !*g.valid || g.chance(40) }

func (g batchGen) chance(n int) bool { return g.r.IntN(n) == 0 }

func (g batchGen) str() string {
	switch g.r.IntN(8) {
	case 0:
		return ""
	case 1:
		return "é€𝄞"
	case 2:
		return "order.id"
	default:
		b := make([]byte, g.r.IntN(12))
		for i := range b {
			b[i] = byte('a' + g.r.IntN(26))
		}
		return string(b)
	}
}

func (g batchGen) bytesOf(lengths ...int) []byte {
	n := lengths[g.r.IntN(len(lengths))]
	if n < 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

func (g batchGen) value(depth int) *airesv1.AnyValue {
	k := g.r.IntN(8)
	if depth > 18 {
		k = g.r.IntN(4)
	}
	switch k {
	case 0:
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: g.str()}}
	case 1:
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: int64(g.r.Uint64())}}
	case 2:
		d := []float64{0, 1.5, -2, math.NaN(), math.Inf(1)}[g.r.IntN(5)]
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: d}}
	case 3:
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: g.chance(2)}}
	case 4:
		arr := &airesv1.ArrayValue{}
		for range g.r.IntN(4) {
			arr.Values = append(arr.Values, g.value(depth+1))
		}
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_ArrayValue{ArrayValue: arr}}
	case 5:
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{Values: g.attrs(depth+1, 4)}}}
	case 6:
		return &airesv1.AnyValue{}
	default:
		return nil
	}
}

func (g batchGen) attrs(depth, max int) []*airesv1.KeyValue {
	var kvs []*airesv1.KeyValue
	for range g.r.IntN(max + 1) {
		key := g.str()
		if key == "" && !g.bad() {
			key = "k"
		}
		if g.chance(6) {
			key = semconv.HTTPRoute // collides with an explicit field
		}
		kvs = append(kvs, &airesv1.KeyValue{Key: key, Value: g.value(depth)})
	}
	return kvs
}

// sharedAttrs are attributes with the batch's shared keys (events from one
// call site of an SDK), now and then one key changed, dropped or added.
func (g batchGen) sharedAttrs() []*airesv1.KeyValue {
	keys := slices.Clone(*g.sharedKeys)
	switch g.r.IntN(8) {
	case 0:
		keys[g.r.IntN(len(keys))] = g.str()
	case 1:
		keys = keys[1:]
	case 2:
		keys = append(keys, g.str())
	}
	kvs := make([]*airesv1.KeyValue, len(keys))
	for i, k := range keys {
		kvs[i] = &airesv1.KeyValue{Key: k, Value: g.value(1)}
	}
	return kvs
}

func (g batchGen) event() *airesv1.Event {
	ev := &airesv1.Event{
		Id:       g.bytesOf(-1, 16, 16, 16, 0),
		Severity: airesv1.Severity(g.r.IntN(7)),
		Message:  g.str(),
	}
	if g.bad() {
		ev.Id = g.bytesOf(-1, 16, 5)
		ev.Severity = airesv1.Severity(g.r.IntN(9) - 1)
	}
	switch g.r.IntN(6) {
	case 0:
	case 1:
		if g.bad() {
			ev.TimestampUnixNano = uint64(g.r.Int64())
		}
	case 2:
		if g.bad() {
			ev.TimestampUnixNano = 12345
		}
	default:
		ev.TimestampUnixNano = uint64(diffNow.Add(-time.Duration(g.r.IntN(1000)) * time.Second).UnixNano())
	}
	if g.chance(3) {
		ev.Service = []string{"", "shop", "billing"}[g.r.IntN(3)]
		ev.Environment = []string{"", "prod"}[g.r.IntN(2)]
		ev.Release = []string{"", "2.0"}[g.r.IntN(2)]
	}
	ev.TraceId = g.bytesOf(-1, 16, 16, 0)
	ev.SpanId = g.bytesOf(-1, 8, 8, 0)
	if g.bad() {
		ev.TraceId = g.bytesOf(-1, 16, 3)
		ev.SpanId = g.bytesOf(-1, 8, 9)
	}
	ev.SessionId, ev.UserId = g.str(), g.str()
	ev.Attributes = g.attrs(1, 6)
	if *g.sharedKeys != nil && !g.chance(4) {
		ev.Attributes = g.sharedAttrs()
	}
	for range g.r.IntN(3) {
		ev.Tags = append(ev.Tags, g.str())
	}
	if g.chance(2) {
		ev.Http = &airesv1.HttpInfo{
			Method: g.str(), Route: g.str(), Path: g.str(), Url: g.str(),
			StatusCode:   []uint32{0, 200, 503}[g.r.IntN(3)],
			DurationMs:   []float64{0, 3.5}[g.r.IntN(2)],
			RequestSize:  []int64{0, 10}[g.r.IntN(2)],
			ResponseSize: []int64{0, 20}[g.r.IntN(2)],
			UserAgent:    g.str(), ClientAddress: g.str(),
		}
		if g.bad() {
			ev.Http.StatusCode = []uint32{0, 200, 503, 1000, math.MaxUint32}[g.r.IntN(5)]
			ev.Http.DurationMs = []float64{0, 3.5, -1, math.NaN(), math.Inf(-1)}[g.r.IntN(5)]
			ev.Http.RequestSize = []int64{0, 10, -1}[g.r.IntN(3)]
			ev.Http.ResponseSize = []int64{0, 20, -5}[g.r.IntN(3)]
		}
	}
	if g.chance(3) {
		ev.Error = &airesv1.ErrorInfo{Type: g.str(), Message: g.str(), Stack: g.str()}
	}
	return ev
}

// eventBytes encodes a random event and sometimes damages or extends it at
// the wire level.
func (g batchGen) eventBytes() []byte {
	b := mustMarshal(g.event())
	for range g.r.IntN(3) {
		if *g.valid && !g.chance(4) {
			continue
		}
		switch g.r.IntN(12) {
		case 0: // a second event merged into the first
			b = append(b, mustMarshal(g.event())...)
		case 1: // an unknown field
			b = protowire.AppendVarint(protowire.AppendTag(b, 99, protowire.VarintType), 7)
		case 2: // a known field with another wire type
			b = protowire.AppendVarint(protowire.AppendTag(b, protowire.Number(1+g.r.IntN(15)), protowire.VarintType), 1)
		case 3: // invalid UTF-8 in a string field
			b = protowire.AppendString(protowire.AppendTag(b, []protowire.Number{4, 5, 10, 13}[g.r.IntN(4)], protowire.BytesType), "x\xff")
		case 4: // an attribute with invalid UTF-8 deep inside
			kvb := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k")
			anyb := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xc3")
			kvb = protowire.AppendBytes(protowire.AppendTag(kvb, 2, protowire.BytesType), anyb)
			b = protowire.AppendBytes(protowire.AppendTag(b, 12, protowire.BytesType), kvb)
		case 5: // truncated
			if len(b) > 0 {
				b = b[:g.r.IntN(len(b))]
			}
		case 6: // a second http or error message (merged by proto)
			b = protowire.AppendBytes(protowire.AppendTag(b, protowire.Number(14+g.r.IntN(2)), protowire.BytesType),
				mustMarshal(&airesv1.HttpInfo{Method: "PUT", StatusCode: 201}))
		case 7: // an attribute value with two members
			anyb := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 5)
			anyb = protowire.AppendString(protowire.AppendTag(anyb, 1, protowire.BytesType), "s")
			kvb := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "two")
			kvb = protowire.AppendBytes(protowire.AppendTag(kvb, 2, protowire.BytesType), anyb)
			b = protowire.AppendBytes(protowire.AppendTag(b, 12, protowire.BytesType), kvb)
		case 8: // a random byte flipped
			if len(b) > 0 {
				b[g.r.IntN(len(b))] ^= byte(1 << g.r.IntN(8))
			}
		case 9: // a repeated scalar field: the last one wins
			b = protowire.AppendString(protowire.AppendTag(b, 4, protowire.BytesType), "again")
			b = protowire.AppendVarint(protowire.AppendTag(b, 3, protowire.VarintType), uint64(g.r.IntN(8)))
		case 10: // a deeply nested attribute
			v := &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: 1}}
			for range 10 + g.r.IntN(20) {
				if g.chance(2) {
					v = &airesv1.AnyValue{Value: &airesv1.AnyValue_ArrayValue{ArrayValue: &airesv1.ArrayValue{Values: []*airesv1.AnyValue{v}}}}
				} else {
					v = &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{Values: []*airesv1.KeyValue{{Key: "n", Value: v}}}}}
				}
			}
			b = protowire.AppendBytes(protowire.AppendTag(b, 12, protowire.BytesType), mustMarshal(&airesv1.KeyValue{Key: "deep", Value: v}))
		default: // an unknown group
			b = protowire.AppendTag(b, 50, protowire.StartGroupType)
			b = protowire.AppendVarint(protowire.AppendTag(b, 1, protowire.VarintType), 3)
			b = protowire.AppendTag(b, 50, protowire.EndGroupType)
		}
	}
	return b
}

func (g batchGen) batch() []byte {
	var res []byte
	if !g.chance(4) {
		r := &airesv1.Resource{Service: g.str(), Environment: g.str(), Release: g.str(), Host: g.str(), Attributes: g.attrs(1, 3)}
		res = mustMarshal(r)
	}
	valid := !g.chance(3)
	g.valid = &valid
	// Most batches share one set of attribute keys among most of their
	// events, sometimes with a duplicate or a key of an explicit field.
	*g.sharedKeys = nil
	if !g.chance(3) {
		for range minTemplateKeys - 1 + g.r.IntN(8) {
			*g.sharedKeys = append(*g.sharedKeys, fmt.Sprintf("k%d.%s", g.r.IntN(40), g.str()))
		}
		if g.chance(4) {
			(*g.sharedKeys)[g.r.IntN(len(*g.sharedKeys))] = (*g.sharedKeys)[0]
		}
		if g.chance(4) {
			(*g.sharedKeys)[g.r.IntN(len(*g.sharedKeys))] = semconv.HTTPRoute
		}
	}
	events := make([][]byte, g.r.IntN(12))
	for i := range events {
		if g.chance(3) {
			events[i] = mustMarshal(g.event())
		} else {
			events[i] = g.eventBytes()
		}
	}
	return encodeBatch(res, events...)
}

func TestDecodeConvertMatchesReference(t *testing.T) {
	g := newBatchGen(1)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		raw := g.batch()
		compareWithReference(t, raw, 64, 256)
		compareWithReference(t, raw, 8, 12)
	}
}

func TestDecodeConvertMatchesReferenceOnFixedInputs(t *testing.T) {
	res := mustMarshal(testResource())
	inputs := [][]byte{
		nil,
		mustMarshal(benchBatch(16)),
		mustMarshal(&airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("m"), {}}}),
		encodeBatch(res, mustMarshal(minimalEvent("ok")), invalidUTF8Event(), mustMarshal(fullEvent())),
		encodeBatch(res, []byte{0x0a, 0x05, 0x01}),
		encodeBatch(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")),
		{0xff, 0xff, 0xff},
	}
	for _, raw := range inputs {
		compareWithReference(t, raw, 64, 256)
		compareWithReference(t, raw, 2, 4)
	}
}

func newBatchGen(seed uint64) batchGen {
	valid := true
	return batchGen{r: rand.New(rand.NewPCG(seed, 2)), valid: &valid, sharedKeys: new([]string)}
}
