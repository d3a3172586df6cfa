package wire

import (
	"testing"

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

// decode is what the receiver does with an event the scan gives up on.
func decode(raw []byte) (*airesv1.Event, error) {
	ev := new(airesv1.Event)
	return ev, proto.Unmarshal(raw, ev)
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
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
