package row

import (
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// ParseUUID parses the canonical 36-character form (any case) or 32 hex digits.
func ParseUUID(s string) ([16]byte, bool) {
	var id [16]byte
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return id, false
		}
		var compact [32]byte
		n := 0
		for i := 0; i < 36; i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				continue
			}
			compact[n] = s[i]
			n++
		}
		if _, err := hex.Decode(id[:], compact[:]); err != nil {
			return id, false
		}
		return id, true
	case 32:
		if _, err := hex.Decode(id[:], []byte(s)); err != nil {
			return id, false
		}
		return id, true
	}
	return id, false
}

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
