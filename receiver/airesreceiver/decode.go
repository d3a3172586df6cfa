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

// splitBatch decodes the top level of an encoded aires.v1.EventBatch: the
// resource, and the encoded events in order (sub-slices of raw). The framing
// of the batch must be sound, the resource must decode and the batch must hold
// at most maxEvents events; otherwise the error is a *batchError. Events are
// decoded one by one later (see decodeConvert), so that one bad event
// (invalid UTF-8, malformed bytes) is rejected on its own while the others go
// on. splitBatch never panics.
func splitBatch(raw []byte, maxEvents int) (*airesv1.Resource, [][]byte, error) {
	// First pass: check the framing and count the events, so that an
	// oversize batch costs no event decoding.
	n, err := walkBatch(raw, nil)
	if err != nil {
		return nil, nil, err
	}
	if n > maxEvents {
		return nil, nil, tooManyEvents(n, maxEvents)
	}
	var resource *airesv1.Resource
	events := make([][]byte, 0, n)
	_, err = walkBatch(raw, func(num protowire.Number, value []byte) error {
		switch num {
		case batchFieldResource:
			if resource == nil {
				resource = new(airesv1.Resource)
			}
			// Several occurrences of a message field merge, as in proto.Unmarshal.
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(value, resource); err != nil {
				return &batchError{msg: fmt.Sprintf("the batch's resource cannot be decoded (%v): fix the resource, no event of this batch can be stored", err)}
			}
		case batchFieldEvents:
			events = append(events, value)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return resource, events, nil
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
