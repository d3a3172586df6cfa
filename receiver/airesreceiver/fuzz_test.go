package airesreceiver

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// FuzzDecodeBatch feeds arbitrary bytes through what the receiver does with a
// request body: decode, validate, convert. It must never panic, a batch that
// decodes must keep one slot per event, and decodeConvert must agree with the
// reference path (proto.Unmarshal into the generated structs, validateEvent,
// convertEvent) on everything: batch error, rejections and log records.
func FuzzDecodeBatch(f *testing.F) {
	res := mustMarshal(testResource())
	f.Add(mustMarshal(&airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("m")}}))
	f.Add(mustMarshal(benchBatch(8)))
	f.Add(encodeBatch(res, mustMarshal(minimalEvent("ok")), invalidUTF8Event(), mustMarshal(fullEvent())))
	f.Add(encodeBatch(res, []byte{0x0a, 0x05, 0x01}))
	f.Add(encodeBatch(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	g := newBatchGen(7)
	for range 32 {
		f.Add(g.batch())
	}

	f.Fuzz(func(t *testing.T, raw []byte) {
		br, err := decodeConvert(append([]byte(nil), raw...), diffNow, 64, 256, "")
		if err != nil {
			if _, ok := asBatchError(err); !ok {
				t.Fatalf("decode error is not a batch error: %T %v", err, err)
			}
		} else {
			if br.accepted+len(br.rejections) > 64 {
				t.Fatalf("%d events passed a limit of 64", br.accepted+len(br.rejections))
			}
			if br.logs.LogRecordCount() != br.accepted {
				t.Fatalf("converted %d of %d events", br.logs.LogRecordCount(), br.accepted)
			}
			for _, r := range br.rejections {
				if r.Reason == "" {
					t.Fatalf("event %d is rejected without a reason", r.Index)
				}
			}
		}
		compareWithReference(t, raw, 64, 256)
		compareWithReference(t, raw, 4, 6)
	})
}
