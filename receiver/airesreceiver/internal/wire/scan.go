package wire

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aires-dev/aires/internal/validutf8"
)

// consumeTag is protowire.ConsumeTag with proto.Unmarshal's range of field
// numbers: protowire accepts numbers up to MaxInt32 (MessageSet allows
// them), proto.Unmarshal rejects those above MaxValidNumber, so the scan must
// too (ScanEvent gives up, and proto.Unmarshal rejects the event).
//
// A one-byte tag (field numbers up to 15, every field Aires defines) is read
// here, without protowire's call; field number 0 is invalid either way.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] < 0x80 && b[0] >= 1<<3 {
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, typ, n
}

// consumeBytesField reads the length-delimited value after a tag of type
// typ; ok is false when typ is another wire type or the value is malformed.
//
// A length of one varint byte (under 128 bytes: most keys and values) is
// read here, without protowire's call.
func consumeBytesField(b []byte, typ protowire.Type) (v []byte, n int, ok bool) {
	if typ != protowire.BytesType {
		return nil, 0, false
	}
	if len(b) > 0 && b[0] < 0x80 {
		if n := int(b[0]); n < len(b) {
			return b[1 : 1+n], 1 + n, true
		}
		return nil, 0, false
	}
	v, n = protowire.ConsumeBytes(b)
	return v, n, n >= 0
}

func consumeVarintField(b []byte, typ protowire.Type) (v uint64, n int, ok bool) {
	if typ != protowire.VarintType {
		return 0, 0, false
	}
	v, n = protowire.ConsumeVarint(b)
	return v, n, n >= 0
}

func consumeFixed64Field(b []byte, typ protowire.Type) (v uint64, n int, ok bool) {
	if typ != protowire.Fixed64Type {
		return 0, 0, false
	}
	v, n = protowire.ConsumeFixed64(b)
	return v, n, n >= 0
}

// consumeString reads a string field and checks its UTF-8.
func consumeString(b []byte, typ protowire.Type) (s string, n int, ok bool) {
	v, n, ok := consumeBytesField(b, typ)
	if !ok || !validutf8.Bytes(v) {
		return "", 0, false
	}
	return String(v), n, true
}

// ScanEvent reads the encoded event b into e and verifies all of b, nested
// attribute values included. It reports false when it cannot reproduce what
// proto.Unmarshal would decode (see the package comment): the caller must then
// decode b with proto.Unmarshal. Strings in e alias b.
func ScanEvent(b []byte, e *Event) bool {
	*e = Event{}
	size := len(b)
	for len(b) > 0 {
		at := size - len(b) // the offset of the field's tag
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		switch num {
		case EventID:
			e.ID, n, ok = consumeBytesField(b, typ)
		case EventTimestamp:
			e.Timestamp, n, ok = consumeFixed64Field(b, typ)
		case EventSeverity:
			var v uint64
			v, n, ok = consumeVarintField(b, typ)
			e.Severity = int32(v)
		case EventMessage:
			e.Message, n, ok = consumeString(b, typ)
		case EventService:
			e.Service, n, ok = consumeString(b, typ)
		case EventEnvironment:
			e.Environment, n, ok = consumeString(b, typ)
		case EventRelease:
			e.Release, n, ok = consumeString(b, typ)
		case EventTraceID:
			e.TraceID, n, ok = consumeBytesField(b, typ)
		case EventSpanID:
			e.SpanID, n, ok = consumeBytesField(b, typ)
		case EventSessionID:
			e.SessionID, n, ok = consumeString(b, typ)
		case EventUserID:
			e.UserID, n, ok = consumeString(b, typ)
		case EventAttributes:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && scanKeyValue(v, 1, &e.AttributesNested)
			if e.Attributes == 0 {
				e.AttributesAt = at
			}
			e.Attributes++
		case EventTags:
			_, n, ok = consumeString(b, typ)
			if e.Tags == 0 {
				e.TagsAt = at
			}
			e.Tags++
		case EventHTTP:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			// A repeated message field merges in proto.Unmarshal.
			ok = ok && !e.HasHTTP && scanHTTP(v, &e.HTTP)
			e.HasHTTP = true
		case EventError:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && !e.HasError && scanError(v, &e.Error)
			e.HasError = true
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			ok = n >= 0
		}
		if !ok {
			return false
		}
		b = b[n:]
	}
	return true
}

func scanHTTP(b []byte, h *HTTPInfo) bool {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		var v uint64
		switch num {
		case HTTPMethod:
			h.Method, n, ok = consumeString(b, typ)
		case HTTPRoute:
			h.Route, n, ok = consumeString(b, typ)
		case HTTPPath:
			h.Path, n, ok = consumeString(b, typ)
		case HTTPURL:
			h.URL, n, ok = consumeString(b, typ)
		case HTTPStatusCode:
			v, n, ok = consumeVarintField(b, typ)
			h.StatusCode = uint32(v)
		case HTTPDurationMs:
			v, n, ok = consumeFixed64Field(b, typ)
			h.DurationMs = math.Float64frombits(v)
		case HTTPRequestSize:
			v, n, ok = consumeVarintField(b, typ)
			h.RequestSize = int64(v)
		case HTTPResponseSize:
			v, n, ok = consumeVarintField(b, typ)
			h.ResponseSize = int64(v)
		case HTTPUserAgent:
			h.UserAgent, n, ok = consumeString(b, typ)
		case HTTPClientAddress:
			h.ClientAddress, n, ok = consumeString(b, typ)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			ok = n >= 0
		}
		if !ok {
			return false
		}
		b = b[n:]
	}
	return true
}

func scanError(b []byte, e *ErrorInfo) bool {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		switch num {
		case ErrorType:
			e.Type, n, ok = consumeString(b, typ)
		case ErrorMessage:
			e.Message, n, ok = consumeString(b, typ)
		case ErrorStack:
			e.Stack, n, ok = consumeString(b, typ)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			ok = n >= 0
		}
		if !ok {
			return false
		}
		b = b[n:]
	}
	return true
}

// scanKeyValue checks an encoded KeyValue at nesting level. It sets
// *nested when the key is empty or the value a list or map.
func scanKeyValue(b []byte, level int, nested *bool) bool {
	hasKey, hasValue := false, false
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		switch num {
		case KeyValueKey:
			var key string
			key, n, ok = consumeString(b, typ)
			hasKey = key != ""
		case KeyValueValue:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && !hasValue && scanAnyValue(v, level, nested)
			hasValue = true
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			ok = n >= 0
		}
		if !ok {
			return false
		}
		b = b[n:]
	}
	if !hasKey {
		*nested = true
	}
	return true
}

// scanAnyValue checks an encoded AnyValue; more than one member (a oneof set
// several times, which proto.Unmarshal resolves) makes the scan give up.
func scanAnyValue(b []byte, level int, nested *bool) bool {
	members := 0
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		var v []byte
		switch num {
		case AnyString:
			_, n, ok = consumeString(b, typ)
		case AnyInt, AnyBool:
			_, n, ok = consumeVarintField(b, typ)
		case AnyDouble:
			_, n, ok = consumeFixed64Field(b, typ)
		case AnyArray:
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && scanList(v, level+1, nested, scanAnyValue)
			*nested = true
		case AnyKvlist:
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && scanList(v, level+1, nested, scanKeyValue)
			*nested = true
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			ok = n >= 0
			members-- // not a member
		}
		members++
		if !ok || members > 1 {
			return false
		}
		b = b[n:]
	}
	return true
}

// scanList checks an encoded ArrayValue or KeyValueList whose elements are
// checked by elem.
func scanList(b []byte, level int, nested *bool, elem func([]byte, int, *bool) bool) bool {
	if level > MaxScanLevel {
		return false
	}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		if num == ListValues {
			v, m, ok := consumeBytesField(b, typ)
			if !ok || !elem(v, level, nested) {
				return false
			}
			n = m
		} else if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return false
		}
		b = b[n:]
	}
	return true
}
