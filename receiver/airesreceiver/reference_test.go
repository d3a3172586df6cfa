package airesreceiver

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

// The reference path: what the receiver did before decodeConvert read events
// straight from the wire. Every event is decoded into the generated structs
// with proto.Unmarshal, validated by validateEvent and converted by
// convertEvent. The differential tests require decodeConvert to give the
// same log records and rejections.

// decodedBatch is a batch decoded as far as it could be.
type decodedBatch struct {
	resource *airesv1.Resource
	// events has one entry per event of the batch, in order. An entry is nil
	// when the event could not be decoded; its reason is in decodeErrs.
	events []*airesv1.Event
	// decodeErrs maps the index of an undecodable event to the reason. It is
	// nil when every event decoded.
	decodeErrs map[int]string
}

// decodeBatch decodes an encoded aires.v1.EventBatch. The whole message is
// unmarshalled at once when it can be. When that fails, the batch is walked
// field by field so that one bad event (invalid UTF-8, malformed bytes) is
// rejected on its own while the others go on. The resource must decode, and
// the framing of the batch must be sound; otherwise the error is a
// *batchError. decodeBatch never panics.
func decodeBatch(raw []byte, maxEvents int) (decodedBatch, error) {
	var batch airesv1.EventBatch
	if err := proto.Unmarshal(raw, &batch); err == nil {
		if len(batch.Events) > maxEvents {
			return decodedBatch{}, tooManyEvents(len(batch.Events), maxEvents)
		}
		return decodedBatch{resource: batch.Resource, events: batch.Events}, nil
	}
	return decodeBatchLenient(raw, maxEvents)
}

func decodeBatchLenient(raw []byte, maxEvents int) (decodedBatch, error) {
	// First pass: check the framing and count the events, so that an
	// oversize batch costs no event decoding.
	n, err := walkBatch(raw, nil)
	if err != nil {
		return decodedBatch{}, err
	}
	if n > maxEvents {
		return decodedBatch{}, tooManyEvents(n, maxEvents)
	}
	out := decodedBatch{events: make([]*airesv1.Event, 0, n)}
	_, err = walkBatch(raw, func(num protowire.Number, value []byte) error {
		switch num {
		case wire.BatchResource:
			if out.resource == nil {
				out.resource = new(airesv1.Resource)
			}
			// Several occurrences of a message field merge, as in proto.Unmarshal.
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(value, out.resource); err != nil {
				return &batchError{msg: fmt.Sprintf("the batch's resource cannot be decoded (%v): fix the resource, no event of this batch can be stored", err)}
			}
		case wire.BatchEvents:
			ev := new(airesv1.Event)
			if err := proto.Unmarshal(value, ev); err != nil {
				if out.decodeErrs == nil {
					out.decodeErrs = make(map[int]string)
				}
				out.decodeErrs[len(out.events)] = "event cannot be decoded: " + err.Error()
				ev = nil
			}
			out.events = append(out.events, ev)
		}
		return nil
	})
	if err != nil {
		return decodedBatch{}, err
	}
	return out, nil
}

// convertBatch converts decoded, validated events (the reference path).
func convertBatch(res *airesv1.Resource, events []*airesv1.Event, received time.Time, scopeVersion string) plog.Logs {
	accepted := make([]acceptedEvent, len(events))
	for i, ev := range events {
		accepted[i] = acceptedEvent{ev: ev}
	}
	return convertAccepted(res, accepted, received, scopeVersion)
}

// referenceDecodeConvert is decodeConvert by the reference path.
func referenceDecodeConvert(raw []byte, received time.Time, maxEvents, maxAttributes int, scopeVersion string) (batchResult, error) {
	db, err := decodeBatch(raw, maxEvents)
	if err != nil {
		return batchResult{}, err
	}
	var out batchResult
	accepted := db.events[:0:0]
	for i, ev := range db.events {
		var reason string
		if ev == nil {
			reason = db.decodeErrs[i]
		} else {
			reason = validateEvent(ev, received, maxAttributes)
		}
		if reason != "" {
			out.rejections = append(out.rejections, &airesv1.Rejection{Index: uint32(i), Reason: reason})
			continue
		}
		accepted = append(accepted, ev)
	}
	out.logs = convertBatch(db.resource, accepted, received, scopeVersion)
	out.accepted = len(accepted)
	return out, nil
}
