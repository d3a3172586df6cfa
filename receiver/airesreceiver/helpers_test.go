package airesreceiver

import (
	"time"

	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

var (
	testEventID = []byte{0x01, 0x93, 0x6b, 0x5e, 0x2a, 0x10, 0x7c, 0x3d, 0x8e, 0x4f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}
	testTraceID = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	testSpanID  = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	// testTime is the event time of the test events.
	testTime = time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
)

func strVal(s string) *airesv1.AnyValue {
	return &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: s}}
}

func intVal(i int64) *airesv1.AnyValue {
	return &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: i}}
}

func kv(k string, v *airesv1.AnyValue) *airesv1.KeyValue { return &airesv1.KeyValue{Key: k, Value: v} }

// fullEvent sets every field of an event.
func fullEvent() *airesv1.Event {
	return &airesv1.Event{
		Id:                testEventID,
		TimestampUnixNano: uint64(testTime.UnixNano()),
		Severity:          airesv1.Severity_SEVERITY_ERROR,
		Message:           "order failed",
		TraceId:           testTraceID,
		SpanId:            testSpanID,
		SessionId:         "sess-1",
		UserId:            "user-42",
		Attributes: []*airesv1.KeyValue{
			kv("order.id", strVal("o-1")),
			kv("items", intVal(3)),
			kv("amount", &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: 9.5}}),
			kv("paid", &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: true}}),
			kv("skus", &airesv1.AnyValue{Value: &airesv1.AnyValue_ArrayValue{ArrayValue: &airesv1.ArrayValue{
				Values: []*airesv1.AnyValue{strVal("a"), intVal(7)},
			}}}),
			kv("customer", &airesv1.AnyValue{Value: &airesv1.AnyValue_KvlistValue{KvlistValue: &airesv1.KeyValueList{
				Values: []*airesv1.KeyValue{kv("tier", strVal("gold")), kv("age", intVal(40))},
			}}}),
		},
		Tags: []string{"checkout", "payments"},
		Http: &airesv1.HttpInfo{
			Method:        "POST",
			Route:         "/orders/{id}",
			Path:          "/orders/17",
			Url:           "https://shop.example/orders/17",
			StatusCode:    502,
			DurationMs:    12.5,
			RequestSize:   321,
			ResponseSize:  45,
			UserAgent:     "curl/8.0",
			ClientAddress: "10.0.0.7",
		},
		Error: &airesv1.ErrorInfo{
			Type:    "*net.OpError",
			Message: "connection refused",
			Stack:   "main.go:42",
		},
	}
}

func testResource() *airesv1.Resource {
	return &airesv1.Resource{
		Service:     "shop",
		Environment: "prod",
		Release:     "1.2.3",
		Host:        "web-1",
		Attributes:  []*airesv1.KeyValue{kv("k8s.pod.name", strVal("shop-abc"))},
	}
}

// minimalEvent is a valid event with only a message.
func minimalEvent(msg string) *airesv1.Event {
	return &airesv1.Event{
		Id:                testEventID,
		TimestampUnixNano: uint64(testTime.UnixNano()),
		Severity:          airesv1.Severity_SEVERITY_INFO,
		Message:           msg,
	}
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// encodeBatch encodes a batch from already-encoded parts: the resource and
// each event's bytes, so that tests can put invalid events in a batch.
func encodeBatch(resource []byte, events ...[]byte) []byte {
	var b []byte
	if resource != nil {
		b = protowire.AppendTag(b, wire.BatchResource, protowire.BytesType)
		b = protowire.AppendBytes(b, resource)
	}
	for _, ev := range events {
		b = protowire.AppendTag(b, wire.BatchEvents, protowire.BytesType)
		b = protowire.AppendBytes(b, ev)
	}
	return b
}

// invalidUTF8Event is an encoded event whose message is not UTF-8, which
// proto.Unmarshal refuses.
func invalidUTF8Event() []byte {
	b := mustMarshal(minimalEvent(""))
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendString(b, "bad \xff\xfe message")
}

// rawBytes is a request already encoded; clientCodec sends it as is.
type rawBytes []byte

// clientCodec lets test clients send hand-crafted bytes.
type clientCodec struct{}

func (clientCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b, ok := v.(*rawBytes); ok {
		return mem.BufferSlice{mem.SliceBuffer(*b)}, nil
	}
	return encoding.GetCodecV2(grpcproto.Name).Marshal(v)
}

func (clientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return encoding.GetCodecV2(grpcproto.Name).Unmarshal(data, v)
}

func (clientCodec) Name() string { return grpcproto.Name }
