package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// Field numbers of aires.v1.EventBatch, used by the lenient decoder.
const (
	batchFieldResource protowire.Number = 1
	batchFieldEvents   protowire.Number = 2
)

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

// batchError is a problem with a batch as a whole; it becomes
// INVALID_ARGUMENT. events is the number of events the batch holds when known.
type batchError struct {
	msg    string
	events int
}

func (e *batchError) Error() string { return e.msg }

func tooManyEvents(n, limit int) *batchError {
	return &batchError{
		msg: fmt.Sprintf("batch holds %d events, more than max_events_per_batch (%d): send smaller batches",
			n, limit),
		events: n,
	}
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
		case batchFieldResource:
			if out.resource == nil {
				out.resource = new(airesv1.Resource)
			}
			// Several occurrences of a message field merge, as in proto.Unmarshal.
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(value, out.resource); err != nil {
				return &batchError{msg: fmt.Sprintf("the batch's resource cannot be decoded (%v): fix the resource, no event of this batch can be stored", err)}
			}
		case batchFieldEvents:
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

// walkBatch checks the top-level framing of an encoded EventBatch and calls
// visit (when not nil) with the payload of every resource and event field, in
// order. Unknown fields (and known ones with another wire type) are skipped,
// as proto.Unmarshal does. It returns the
// number of events.
func walkBatch(b []byte, visit func(protowire.Number, []byte) error) (int, error) {
	events := 0
	for offset := 0; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, malformed(offset, protowire.ParseError(n))
		}
		// A known field with another wire type is an unknown field to
		// proto.Unmarshal; the lenient path treats it the same way.
		if (num == batchFieldResource || num == batchFieldEvents) && typ == protowire.BytesType {
			value, m := protowire.ConsumeBytes(b[n:])
			if m < 0 {
				return 0, malformed(offset, protowire.ParseError(m))
			}
			if num == batchFieldEvents {
				events++
			}
			if visit != nil {
				if err := visit(num, value); err != nil {
					return 0, err
				}
			}
			n += m
		} else {
			m := protowire.ConsumeFieldValue(num, typ, b[n:])
			if m < 0 {
				return 0, malformed(offset, protowire.ParseError(m))
			}
			n += m
		}
		b = b[n:]
		offset += n
	}
	return events, nil
}

func malformed(offset int, err error) *batchError {
	return &batchError{msg: fmt.Sprintf(
		"malformed aires.v1.EventBatch at byte %d (%v): the request is not a valid protobuf encoding of an EventBatch",
		offset, err)}
}

// asBatchError reports whether err is a problem with the batch as a whole.
func asBatchError(err error) (*batchError, bool) {
	var be *batchError
	ok := errors.As(err, &be)
	return be, ok
}
