package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
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
// on. The events are appended to dst[:0] (nil: a new slice). splitBatch
// never panics.
func splitBatch(raw []byte, maxEvents int, dst [][]byte) (*airesv1.Resource, [][]byte, error) {
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
	events := slices.Grow(dst[:0], n)
	_, err = walkBatch(raw, func(num protowire.Number, value []byte) error {
		switch num {
		case wire.BatchResource:
			if resource == nil {
				resource = new(airesv1.Resource)
			}
			// Several occurrences of a message field merge, as in proto.Unmarshal.
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(value, resource); err != nil {
				return &batchError{msg: fmt.Sprintf("the batch's resource cannot be decoded (%v): fix the resource, no event of this batch can be stored", err)}
			}
		case wire.BatchEvents:
			events = append(events, value)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return resource, events, nil
}

// walkBatch is wire.WalkBatch with a framing problem as a *batchError.
func walkBatch(b []byte, visit func(protowire.Number, []byte) error) (int, error) {
	n, err := wire.WalkBatch(b, visit)
	// WalkBatch returns its own errors unwrapped; a type assertion, unlike
	// errors.As, costs no allocation on the hot path.
	if me, ok := err.(*wire.MalformedError); ok {
		return 0, malformed(me.Offset, me.Err)
	}
	return n, err
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
