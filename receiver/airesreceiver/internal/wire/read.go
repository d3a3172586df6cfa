package wire

import (
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// The readers below walk bytes that ScanEvent accepted (an event, or a
// KeyValue, AnyValue or list inside it): they stop quietly at anything
// malformed instead of reporting it, since the scan has ruled it out.

// String returns b as a string without copying. The caller guarantees that
// the memory behind b is never modified afterwards.
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// NextField returns the next occurrence of field num (length-delimited) in
// b and the rest of b after it. ok is false at the end. b must have passed
// a checked scan.
func NextField(b []byte, num protowire.Number) (v, rest []byte, ok bool) {
	for len(b) > 0 {
		n, typ, m := protowire.ConsumeTag(b)
		if m < 0 {
			return nil, nil, false
		}
		b = b[m:]
		if n == num && typ == protowire.BytesType {
			v, m = protowire.ConsumeBytes(b)
			if m < 0 {
				return nil, nil, false
			}
			return v, b[m:], true
		}
		if m = protowire.ConsumeFieldValue(n, typ, b); m < 0 {
			return nil, nil, false
		}
		b = b[m:]
	}
	return nil, nil, false
}

// CountField counts the occurrences of field num in b.
func CountField(b []byte, num protowire.Number) int {
	n := 0
	for {
		var ok bool
		if _, b, ok = NextField(b, num); !ok {
			return n
		}
		n++
	}
}

// ReadKeyValue returns the key and the encoded value of a scanned KeyValue.
func ReadKeyValue(b []byte) (key string, value []byte, hasValue bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == KeyValueKey || num == KeyValueValue) {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				break
			}
			if num == KeyValueKey {
				key = String(v)
			} else {
				value, hasValue = v, true
			}
			n = m
		} else if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			break
		}
		b = b[n:]
	}
	return key, value, hasValue
}

// ReadAnyValue returns the member of a scanned AnyValue (0 when none) and its
// payload: the varint or fixed64 value, or the bytes.
func ReadAnyValue(b []byte) (member protowire.Number, scalar uint64, payload []byte) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		switch {
		case num >= AnyString && num <= AnyKvlist:
			switch typ {
			case protowire.BytesType:
				payload, n = protowire.ConsumeBytes(b)
			case protowire.VarintType:
				scalar, n = protowire.ConsumeVarint(b)
			case protowire.Fixed64Type:
				scalar, n = protowire.ConsumeFixed64(b)
			default:
				n = -1
			}
			member = num
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			break
		}
		b = b[n:]
	}
	return member, scalar, payload
}
