package airesreceiver

import (
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// FuzzDecodeBatch feeds arbitrary bytes through what the receiver does with a
// request body: decode, validate, convert. It must never panic, and a batch
// that decodes must keep one slot per event.
func FuzzDecodeBatch(f *testing.F) {
	res := mustMarshal(testResource())
	f.Add(mustMarshal(&airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("m")}}))
	f.Add(mustMarshal(benchBatch(8)))
	f.Add(encodeBatch(res, mustMarshal(minimalEvent("ok")), invalidUTF8Event(), mustMarshal(fullEvent())))
	f.Add(encodeBatch(res, []byte{0x0a, 0x05, 0x01}))
	f.Add(encodeBatch(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})

	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		db, err := decodeBatch(raw, 64)
		if err != nil {
			if _, ok := asBatchError(err); !ok {
				t.Fatalf("decode error is not a batch error: %T %v", err, err)
			}
			return
		}
		if len(db.events) > 64 {
			t.Fatalf("%d events passed a limit of 64", len(db.events))
		}
		var accepted []*airesv1.Event
		for i, ev := range db.events {
			if ev == nil {
				if db.decodeErrs[i] == "" {
					t.Fatalf("event %d is missing without a reason", i)
				}
				continue
			}
			if validateEvent(ev, now, 256) == "" {
				accepted = append(accepted, ev)
			}
		}
		logs := convertBatch(db.resource, accepted, now, "")
		if logs.LogRecordCount() != len(accepted) {
			t.Fatalf("converted %d of %d events", logs.LogRecordCount(), len(accepted))
		}
	})
}
