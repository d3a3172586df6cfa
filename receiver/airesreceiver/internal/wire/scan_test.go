package wire

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// TestScanEvent runs the scan on hand-built encodings, including ones the
// generated code never writes. An event the scan accepts must read as
// proto.Unmarshal decodes it; the others are left to proto.Unmarshal, which
// either decodes them (the scan cannot reproduce the result: merged message
// fields, a oneof set twice, ...) or rejects them.
func TestScanEvent(t *testing.T) {
	str := bytesField(nil, AnyString, []byte("v"))
	tooBig := varintField(nil, protowire.MaxValidNumber+1, 1)
	http := bytesField(nil, HTTPMethod, []byte("GET"))
	const (
		rejected      = iota // proto.Unmarshal reports an error
		decoded              // proto.Unmarshal decodes it, the scan gives up
		scanned              // the scan reads it, without nested attributes
		scannedNested        // the scan reads it and flags attributes to walk
	)
	tests := []struct {
		name string
		raw  []byte
		want int
	}{
		{name: "every field", raw: mustMarshal(t, sampleEvent()), want: scanned},
		{name: "empty", raw: nil, want: scanned},
		{name: "empty http", raw: mustMarshal(t, &airesv1.Event{Http: &airesv1.HttpInfo{}}), want: scanned},
		{name: "unknown fields", raw: bytesField(varintField(bytesField(nil, 99, []byte("xyz")), 100, 7), EventMessage, []byte("m")), want: scanned},
		{name: "flat attributes with keys", raw: append(attrEvent(keyValue("a", str)), attrEvent(keyValue("b", str))...), want: scanned},
		{name: "attribute without value", raw: attrEvent(bytesField(nil, KeyValueKey, []byte("a"))), want: scanned},
		{name: "attribute with an empty key", raw: attrEvent(keyValue("", str)), want: scannedNested},
		{name: "list attribute", raw: attrEvent(keyValue("a", nestedArrays(1))), want: scannedNested},
		{name: "map attribute", raw: attrEvent(keyValue("a", bytesField(nil, AnyKvlist, nil))), want: scannedNested},
		{name: "nesting up to MaxScanLevel", raw: attrEvent(keyValue("k", nestedArrays(MaxScanLevel-1))), want: scannedNested},

		{name: "field number above the maximum", raw: tooBig, want: rejected},
		{name: "field number above the maximum in a nested map", raw: attrEvent(keyValue("k", bytesField(nil, AnyKvlist, tooBig))), want: rejected},
		{name: "truncated", raw: bytesField(nil, EventMessage, []byte("abc"))[:4], want: rejected},
		{name: "invalid UTF-8 message", raw: bytesField(nil, EventMessage, []byte("\xff")), want: rejected},
		{name: "invalid UTF-8 tag", raw: bytesField(nil, EventTags, []byte("\xc3")), want: rejected},
		{name: "invalid UTF-8 http field", raw: bytesField(nil, EventHTTP, bytesField(nil, HTTPRoute, []byte("\xff"))), want: rejected},
		{name: "invalid UTF-8 attribute key", raw: attrEvent(keyValue("\xff", nil)), want: rejected},
		{name: "invalid UTF-8 nested string", raw: attrEvent(keyValue("k", bytesField(nil, AnyArray, bytesField(nil, ListValues, bytesField(nil, AnyString, []byte("\xff")))))), want: rejected},

		{name: "known field with another wire type", raw: varintField(nil, EventMessage, 1), want: decoded},
		{name: "http twice (merged)", raw: append(bytesField(nil, EventHTTP, http), bytesField(nil, EventHTTP, http)...), want: decoded},
		{name: "error twice (merged)", raw: append(bytesField(nil, EventError, nil), bytesField(nil, EventError, nil)...), want: decoded},
		{name: "attribute value twice (merged)", raw: attrEvent(append(keyValue("k", nil), bytesField(nil, KeyValueValue, nil)...)), want: decoded},
		{name: "attribute value with two members", raw: attrEvent(keyValue("k", varintField(varintField(nil, AnyInt, 1), AnyBool, 1))), want: decoded},
		{name: "nesting deeper than MaxScanLevel", raw: attrEvent(keyValue("k", nestedArrays(MaxScanLevel))), want: decoded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			ok := ScanEvent(tt.raw, &e)
			switch tt.want {
			case scanned, scannedNested:
				require.True(t, ok, "the scan gave up")
				assert.Equal(t, tt.want == scannedNested, e.AttributesNested)
				assertSameEvent(t, tt.raw, &e)
			default:
				require.False(t, ok, "the scan accepted it")
				_, err := decode(tt.raw)
				assert.Equal(t, tt.want == rejected, err != nil, "proto.Unmarshal: %v", err)
			}
		})
	}
}

// assertSameEvent checks that a scan of raw read what proto.Unmarshal decodes
// from it, and that the readers find its attributes and tags.
func assertSameEvent(t testing.TB, raw []byte, got *Event) {
	t.Helper()
	ev, err := decode(raw)
	require.NoError(t, err)
	want := EventOf(ev)
	// proto.Unmarshal leaves an empty bytes field nil or not depending on
	// its presence; the scan always keeps a slice of raw. Both mean "none".
	scanned := *got
	for _, b := range []*[]byte{&want.ID, &want.TraceID, &want.SpanID, &scanned.ID, &scanned.TraceID, &scanned.SpanID} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	// EventOf does not compute these; the readers below check the offsets.
	scanned.AttributesNested, scanned.AttributesAt, scanned.TagsAt = false, 0, 0
	assert.Equal(t, want, scanned)

	assert.Equal(t, len(ev.Attributes), CountField(raw, EventAttributes))
	assert.Equal(t, len(ev.Attributes), CountField(got.AttributesFrom(raw), EventAttributes))
	assert.Equal(t, len(ev.Tags), CountField(got.TagsFrom(raw), EventTags))
	kvs := got.AttributesFrom(raw)
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
	tags := got.TagsFrom(raw)
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

// The one-byte fast paths of consumeTag and consumeBytesField give what
// protowire gives, for every first byte (and a few bytes after it).
func TestConsumeFastPaths(t *testing.T) {
	for first := 0; first < 256; first++ {
		for _, rest := range [][]byte{nil, {0x01}, {0x80, 0x01}, {0xff}, bytes.Repeat([]byte{'x'}, 130)} {
			b := append([]byte{byte(first)}, rest...)
			num, typ, n := protowire.ConsumeTag(b)
			if n >= 0 && num > protowire.MaxValidNumber {
				num, typ, n = 0, 0, -1
			}
			gotNum, gotTyp, gotN := consumeTag(b)
			require.Equal(t, [3]int{int(num), int(typ), n}, [3]int{int(gotNum), int(gotTyp), gotN}, "consumeTag(%x)", b)

			v, m := protowire.ConsumeBytes(b)
			gotV, gotM, ok := consumeBytesField(b, protowire.BytesType)
			require.Equal(t, m >= 0, ok, "consumeBytesField(%x)", b)
			if ok {
				require.Equal(t, m, gotM, "consumeBytesField(%x)", b)
				require.Equal(t, v, gotV, "consumeBytesField(%x)", b)
			}
		}
	}
}
