package wire

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// The helpers below build encodings by hand, including ones the generated
// code never writes (repeated message fields, several oneof members, wrong
// wire types).

func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func varintField(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

// keyValue encodes a KeyValue whose value is the encoded AnyValue value.
func keyValue(key string, value []byte) []byte {
	return bytesField(bytesField(nil, KeyValueKey, []byte(key)), KeyValueValue, value)
}

// nestedArrays is an AnyValue of levels arrays, each holding the next.
func nestedArrays(levels int) []byte {
	v := bytesField(nil, AnyString, []byte("leaf"))
	for range levels {
		v = bytesField(nil, AnyArray, bytesField(nil, ListValues, v))
	}
	return v
}

func attrEvent(kv []byte) []byte { return bytesField(nil, EventAttributes, kv) }

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return b
}

func sampleEvent() *airesv1.Event {
	str := func(s string) *airesv1.AnyValue {
		return &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: s}}
	}
	return &airesv1.Event{
		Id: make([]byte, 16), TimestampUnixNano: 1_700_000_000_000_000_000, Severity: airesv1.Severity_SEVERITY_WARN,
		Message: "disk almost full", Service: "store", Environment: "staging", Release: "7",
		TraceId: make([]byte, 16), SpanId: make([]byte, 8), SessionId: "s", UserId: "u",
		Attributes: []*airesv1.KeyValue{{Key: "volume", Value: str("/data")}, {Key: "free", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: 3}}}},
		Tags:       []string{"ops"},
		Http:       &airesv1.HttpInfo{Method: "PUT", Route: "/v/{id}", Path: "/v/1", Url: "http://x/v/1", StatusCode: 507, DurationMs: 0.25, RequestSize: 10, ResponseSize: 20, UserAgent: "ua", ClientAddress: "::1"},
		Error:      &airesv1.ErrorInfo{Type: "ENOSPC", Message: "no space", Stack: "at write"},
	}
}

// TestScanEventReadsWhatUnmarshalDecodes compares the scan of encoded events
// with EventOf of the same events decoded by proto.Unmarshal.
func TestScanEventReadsWhatUnmarshalDecodes(t *testing.T) {
	for name, ev := range map[string]*airesv1.Event{
		"every field": sampleEvent(),
		"empty":       {},
		"empty http":  {Http: &airesv1.HttpInfo{}},
	} {
		t.Run(name, func(t *testing.T) {
			raw := mustMarshal(t, ev)
			var got Event
			require.True(t, ScanEvent(raw, &got))
			assertSameEvent(t, raw, &got)
		})
	}
}

// assertSameEvent checks that a scan of raw read what proto.Unmarshal decodes
// from it, and that the readers find its attributes and tags.
func assertSameEvent(t testing.TB, raw []byte, got *Event) {
	t.Helper()
	var ev airesv1.Event
	require.NoError(t, proto.Unmarshal(raw, &ev))
	want := EventOf(&ev)
	// proto.Unmarshal leaves an empty bytes field nil or not depending on
	// its presence; the scan always keeps a slice of raw. Both mean "none".
	scanned := *got
	for _, b := range []*[]byte{&want.ID, &want.TraceID, &want.SpanID, &scanned.ID, &scanned.TraceID, &scanned.SpanID} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	scanned.AttributesNested = false // EventOf does not compute it
	assert.Equal(t, want, scanned)

	assert.Equal(t, len(ev.Attributes), CountField(raw, EventAttributes))
	kvs := raw
	for i, kv := range ev.Attributes {
		var kvb []byte
		var ok bool
		kvb, kvs, ok = NextField(kvs, EventAttributes)
		require.True(t, ok, "attribute %d", i)
		key, value, hasValue := ReadKeyValue(kvb)
		assert.Equal(t, kv.Key, key)
		assert.Equal(t, kv.Value != nil, hasValue)
		member, _, _ := ReadAnyValue(value)
		assert.Equal(t, oneofMember(kv.Value), member, "member of attribute %q", kv.Key)
	}
	tags := raw
	for _, want := range ev.Tags {
		var tag []byte
		var ok bool
		tag, tags, ok = NextField(tags, EventTags)
		require.True(t, ok)
		assert.Equal(t, want, String(tag))
	}
}

// oneofMember is the field number of the member v sets, 0 for none.
func oneofMember(v *airesv1.AnyValue) protowire.Number {
	if v == nil || v.Value == nil {
		return 0
	}
	return v.ProtoReflect().WhichOneof(v.ProtoReflect().Descriptor().Oneofs().Get(0)).Number()
}

func TestScanEventFlagsAttributesToWalk(t *testing.T) {
	str := bytesField(nil, AnyString, []byte("v"))
	tests := []struct {
		name   string
		raw    []byte
		nested bool
	}{
		{name: "no attributes", raw: nil},
		{name: "flat with keys", raw: append(attrEvent(keyValue("a", str)), attrEvent(keyValue("b", str))...)},
		{name: "key without value", raw: attrEvent(bytesField(nil, KeyValueKey, []byte("a")))},
		{name: "empty key", raw: attrEvent(keyValue("", str)), nested: true},
		{name: "list value", raw: attrEvent(keyValue("a", nestedArrays(1))), nested: true},
		{name: "map value", raw: attrEvent(keyValue("a", bytesField(nil, AnyKvlist, nil))), nested: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			require.True(t, ScanEvent(tt.raw, &e))
			assert.Equal(t, tt.nested, e.AttributesNested)
		})
	}
}

// TestScanEventGivesUp lists what the scan leaves to proto.Unmarshal. Some of
// these events decode (the scan only cannot reproduce the result), the
// others are errors proto.Unmarshal must report.
func TestScanEventGivesUp(t *testing.T) {
	tooBig := varintField(nil, protowire.MaxValidNumber+1, 1)
	http := bytesField(nil, HTTPMethod, []byte("GET"))
	tests := []struct {
		name    string
		raw     []byte
		decodes bool
	}{
		{name: "field number above the maximum", raw: tooBig},
		{name: "field number above the maximum in a nested map", raw: attrEvent(keyValue("k", bytesField(nil, AnyKvlist, tooBig)))},
		{name: "truncated", raw: bytesField(nil, EventMessage, []byte("abc"))[:4]},
		{name: "invalid UTF-8 message", raw: bytesField(nil, EventMessage, []byte("\xff"))},
		{name: "invalid UTF-8 tag", raw: bytesField(nil, EventTags, []byte("\xc3"))},
		{name: "invalid UTF-8 http field", raw: bytesField(nil, EventHTTP, bytesField(nil, HTTPRoute, []byte("\xff")))},
		{name: "invalid UTF-8 attribute key", raw: attrEvent(keyValue("\xff", nil))},
		{name: "invalid UTF-8 nested string", raw: attrEvent(keyValue("k", bytesField(nil, AnyArray, bytesField(nil, ListValues, bytesField(nil, AnyString, []byte("\xff"))))))},
		{name: "known field with another wire type", raw: varintField(nil, EventMessage, 1), decodes: true},
		{name: "http twice (merged)", raw: append(bytesField(nil, EventHTTP, http), bytesField(nil, EventHTTP, http)...), decodes: true},
		{name: "error twice (merged)", raw: append(bytesField(nil, EventError, nil), bytesField(nil, EventError, nil)...), decodes: true},
		{name: "attribute value twice (merged)", raw: attrEvent(append(keyValue("k", nil), bytesField(nil, KeyValueValue, nil)...)), decodes: true},
		{name: "attribute value with two members", raw: attrEvent(keyValue("k", varintField(varintField(nil, AnyInt, 1), AnyBool, 1))), decodes: true},
		{name: "nesting deeper than MaxScanLevel", raw: attrEvent(keyValue("k", nestedArrays(MaxScanLevel))), decodes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			assert.False(t, ScanEvent(tt.raw, &e))
			err := proto.Unmarshal(tt.raw, new(airesv1.Event))
			if tt.decodes {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestScanEventReadsUpToMaxScanLevel(t *testing.T) {
	raw := attrEvent(keyValue("k", nestedArrays(MaxScanLevel-1)))
	var e Event
	require.True(t, ScanEvent(raw, &e))
	assertSameEvent(t, raw, &e)
}

func TestScanEventKeepsUnknownFieldsOut(t *testing.T) {
	raw := varintField(bytesField(nil, 99, []byte(strings.Repeat("x", 3))), 100, 7)
	raw = bytesField(raw, EventMessage, []byte("m"))
	var e Event
	require.True(t, ScanEvent(raw, &e))
	assert.Equal(t, Event{Message: "m"}, e)
}
