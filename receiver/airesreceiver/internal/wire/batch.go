package wire

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// MalformedError is a batch whose framing is not a valid protobuf encoding:
// Err is protowire's reason, Offset the byte of the field where it was found.
type MalformedError struct {
	Offset int
	Err    error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed protobuf at byte %d: %v", e.Offset, e.Err)
}

func (e *MalformedError) Unwrap() error { return e.Err }

// WalkBatch checks the top-level framing of an encoded EventBatch and calls
// visit (when not nil) with the number (BatchResource or BatchEvents) and the
// payload of every resource and event field, in order; an error from visit
// stops the walk and is returned as is. Unknown fields (and known ones with
// another wire type) are skipped, as proto.Unmarshal does. It returns the
// number of events; a framing problem is a *MalformedError, not wrapped.
func WalkBatch(b []byte, visit func(protowire.Number, []byte) error) (int, error) {
	events := 0
	for offset := 0; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, malformedAt(offset, n)
		}
		// A known field with another wire type is an unknown field to
		// proto.Unmarshal; the walk treats it the same way.
		if (num == BatchResource || num == BatchEvents) && typ == protowire.BytesType {
			value, m := protowire.ConsumeBytes(b[n:])
			if m < 0 {
				return 0, malformedAt(offset, m)
			}
			if num == BatchEvents {
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
				return 0, malformedAt(offset, m)
			}
			n += m
		}
		b = b[n:]
		offset += n
	}
	return events, nil
}

// malformedAt is the *MalformedError for protowire's negative length code at
// offset.
func malformedAt(offset, code int) error {
	return &MalformedError{Offset: offset, Err: protowire.ParseError(code)}
}
