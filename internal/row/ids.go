package row

import (
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// ParseUUID parses the canonical 36-character form (any case) or 32 hex digits.
func ParseUUID(s string) ([16]byte, bool) {
	var id [16]byte
	var at *[16]uint8
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return id, false
		}
		at = &uuidDigits36
	case 32:
		at = &uuidDigits32
	default:
		return id, false
	}
	// Every record's id is parsed twice (processor, exporter): a table
	// lookup per digit, without the copy and the per-digit branches of
	// hex.Decode (FuzzParseUUID holds it to the reference).
	for i, p := range at {
		hi, lo := hexValue[s[p]], hexValue[s[p+1]]
		if hi|lo > 0xf {
			return id, false
		}
		id[i] = hi<<4 | lo
	}
	return id, true
}

// uuidDigits36 and uuidDigits32 are where each byte's two hex digits start
// in the 36-character form and in 32 hex digits.
var (
	uuidDigits36 = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}
	uuidDigits32 = [16]uint8{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}
)

// hexValue is the value of a hex digit, 0xff for any other byte.
var hexValue = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = uint8(i)
	}
	for i, c := range "ABCDEF" {
		t[c] = uint8(10 + i)
	}
	return t
}()

// FormatUUID writes the canonical lowercase form of a UUID.
func FormatUUID(id [16]byte) string {
	text := uuidText(id)
	return string(text[:])
}

// AppendUUID appends the canonical lowercase form of a UUID to dst, as
// FormatUUID writes it, for callers that keep many ids in one buffer.
func AppendUUID(dst []byte, id [16]byte) []byte {
	text := uuidText(id)
	return append(dst, text[:]...)
}

// uuidText is the canonical lowercase form of a UUID, in an array.
func uuidText(id [16]byte) (out [36]byte) {
	hex.Encode(out[0:8], id[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], id[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], id[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], id[8:10])
	out[23] = '-'
	hex.Encode(out[24:], id[10:])
	return out
}

// isUUIDText reports whether s is FormatUUID(id), without allocating.
func isUUIDText(s string, id [16]byte) bool {
	text := uuidText(id)
	return s == string(text[:])
}

// traceIDText and spanIDText are the lowercase hex text of a trace or span
// id, as the trace_id and span_id columns store it ("" for an empty id).
func traceIDText(id pcommon.TraceID) string {
	if id.IsEmpty() {
		return ""
	}
	return hex.EncodeToString(id[:])
}

func spanIDText(id pcommon.SpanID) string {
	if id.IsEmpty() {
		return ""
	}
	return hex.EncodeToString(id[:])
}
