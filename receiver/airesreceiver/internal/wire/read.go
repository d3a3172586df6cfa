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
	if num < 16 {
		if v, rest, ok := shortBytes(b, byte(num)<<3|byte(protowire.BytesType)); ok {
			return v, rest, true
		}
	}
	return nextField(b, num)
}

// The readers' fast paths: the layout every encoder writes (fields in
// order, one-byte tags, lengths under 16 KiB) is read without protowire's
// general calls. Anything else takes the general loop, which gives the same
// result on that layout (TestFastReadersMatch, FuzzReaders).

// shortBytes reads a length-delimited field with the one-byte tag tag and a
// length of one or two varint bytes at the start of b.
func shortBytes(b []byte, tag byte) (v, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, h := int(b[1]), 2
	if n >= 0x80 {
		if len(b) < 3 || b[2] >= 0x80 {
			return nil, nil, false
		}
		n, h = n&0x7f|int(b[2])<<7, 3
	}
	if n > len(b)-h {
		return nil, nil, false
	}
	return b[h : h+n], b[h+n:], true
}

const (
	keyTag       = byte(KeyValueKey)<<3 | byte(protowire.BytesType)
	valueTag     = byte(KeyValueValue)<<3 | byte(protowire.BytesType)
	anyStringTag = byte(AnyString)<<3 | byte(protowire.BytesType)
)

// nextField is NextField's general loop.
func nextField(b []byte, num protowire.Number) (v, rest []byte, ok bool) {
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
	if k, rest, ok := shortBytes(b, keyTag); ok {
		if v, rest, ok := shortBytes(rest, valueTag); ok && len(rest) == 0 {
			return String(k), v, true
		}
	}
	return readKeyValue(b)
}

// readKeyValue is ReadKeyValue's general loop.
func readKeyValue(b []byte) (key string, value []byte, hasValue bool) {
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
	if s, rest, ok := shortBytes(b, anyStringTag); ok && len(rest) == 0 {
		return AnyString, 0, s
	}
	return readAnyValue(b)
}

// readAnyValue is ReadAnyValue's general loop.
func readAnyValue(b []byte) (member protowire.Number, scalar uint64, payload []byte) {
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
