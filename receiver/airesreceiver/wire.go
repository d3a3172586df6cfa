package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"math"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/semconv"
)

// The direct decoder. An event is read straight from its wire bytes into a
// plog.LogRecord, without an airesv1.Event in between:
//
//  1. scanEvent walks the event once, checking everything proto.Unmarshal
//     checks (framing, UTF-8 of every string, nested values) and collecting
//     the fields validation and grouping need. Strings alias the request
//     buffer (see wireString).
//  2. validateWire applies the rules of validateEvent to what was collected.
//  3. convertWire writes the accepted event into its log record.
//
// Whatever the fast path does not handle exactly as proto.Unmarshal would
// (any decoding error, a known field with another wire type, a repeated
// occurrence of a message field, which proto merges, an attribute value with
// several members, nesting deeper than maxScanLevel) makes scanEvent give up:
// the event then takes the reference path (proto.Unmarshal, validateEvent,
// convertEvent), which yields the same reasons and the same log record. Those
// events are rare; the result is the same either way.

// Field numbers of the aires.v1 messages read by the direct decoder.
const (
	eventFieldID          protowire.Number = 1
	eventFieldTimestamp   protowire.Number = 2
	eventFieldSeverity    protowire.Number = 3
	eventFieldMessage     protowire.Number = 4
	eventFieldService     protowire.Number = 5
	eventFieldEnvironment protowire.Number = 6
	eventFieldRelease     protowire.Number = 7
	eventFieldTraceID     protowire.Number = 8
	eventFieldSpanID      protowire.Number = 9
	eventFieldSessionID   protowire.Number = 10
	eventFieldUserID      protowire.Number = 11
	eventFieldAttributes  protowire.Number = 12
	eventFieldTags        protowire.Number = 13
	eventFieldHTTP        protowire.Number = 14
	eventFieldError       protowire.Number = 15

	httpFieldMethod        protowire.Number = 1
	httpFieldRoute         protowire.Number = 2
	httpFieldPath          protowire.Number = 3
	httpFieldURL           protowire.Number = 4
	httpFieldStatusCode    protowire.Number = 5
	httpFieldDurationMs    protowire.Number = 6
	httpFieldRequestSize   protowire.Number = 7
	httpFieldResponseSize  protowire.Number = 8
	httpFieldUserAgent     protowire.Number = 9
	httpFieldClientAddress protowire.Number = 10

	errorFieldType    protowire.Number = 1
	errorFieldMessage protowire.Number = 2
	errorFieldStack   protowire.Number = 3

	kvFieldKey   protowire.Number = 1
	kvFieldValue protowire.Number = 2

	anyFieldString protowire.Number = 1
	anyFieldInt    protowire.Number = 2
	anyFieldDouble protowire.Number = 3
	anyFieldBool   protowire.Number = 4
	anyFieldArray  protowire.Number = 5
	anyFieldKvlist protowire.Number = 6

	// listFieldValues is the repeated field of ArrayValue and KeyValueList.
	listFieldValues protowire.Number = 1

	// maxScanLevel bounds the nesting of attribute values the fast path
	// reads; deeper events (rejected by validation anyway) take the
	// reference path. It is above maxAttributeDepth so that validation never
	// looks at bytes the scan did not check.
	maxScanLevel = maxAttributeDepth + 4
)

// wireString returns b as a string without copying. The caller guarantees
// that the memory behind b is never modified afterwards (the receiver owns a
// private copy of each request; see rawCodec).
func wireString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// wireHTTP and wireEvent hold the fields of an event read by scanEvent.
type wireHTTP struct {
	method, route, path, url string
	statusCode               uint32
	durationMs               float64
	requestSize              int64
	responseSize             int64
	userAgent, clientAddress string
}

type wireError struct {
	typ, message, stack string
}

type wireEvent struct {
	id                            []byte
	timestamp                     uint64
	severity                      int32
	message                       string
	service, environment, release string
	traceID, spanID               []byte
	sessionID, userID             string
	attributes                    int // top-level attributes
	// attributesNested is set when an attribute (or nested entry) has an
	// empty key or a list or map value: validation must then walk them.
	attributesNested bool
	tags             int
	hasHTTP          bool
	http             wireHTTP
	hasError         bool
	err              wireError
}

// consumeTag is protowire.ConsumeTag with proto.Unmarshal's range of field
// numbers: protowire accepts numbers up to MaxInt32 (MessageSet allows
// them), proto.Unmarshal rejects those above MaxValidNumber, so the scan must
// too (the event then takes the reference path and is rejected as there).
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	num, typ, n := protowire.ConsumeTag(b)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, typ, n
}

// consumeBytesField reads the length-delimited value after a tag of type
// typ; ok is false when typ is another wire type or the value is malformed.
func consumeBytesField(b []byte, typ protowire.Type) (v []byte, n int, ok bool) {
	if typ != protowire.BytesType {
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
	if !ok || !utf8.Valid(v) {
		return "", 0, false
	}
	return wireString(v), n, true
}

// scanEvent reads the encoded event b into e and verifies all of b, nested
// attribute values included (attributes and tags are counted and checked,
// not kept). It reports false when the event must take the reference path.
func scanEvent(b []byte, e *wireEvent) bool {
	*e = wireEvent{}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		switch num {
		case eventFieldID:
			e.id, n, ok = consumeBytesField(b, typ)
		case eventFieldTimestamp:
			e.timestamp, n, ok = consumeFixed64Field(b, typ)
		case eventFieldSeverity:
			var v uint64
			v, n, ok = consumeVarintField(b, typ)
			e.severity = int32(v)
		case eventFieldMessage:
			e.message, n, ok = consumeString(b, typ)
		case eventFieldService:
			e.service, n, ok = consumeString(b, typ)
		case eventFieldEnvironment:
			e.environment, n, ok = consumeString(b, typ)
		case eventFieldRelease:
			e.release, n, ok = consumeString(b, typ)
		case eventFieldTraceID:
			e.traceID, n, ok = consumeBytesField(b, typ)
		case eventFieldSpanID:
			e.spanID, n, ok = consumeBytesField(b, typ)
		case eventFieldSessionID:
			e.sessionID, n, ok = consumeString(b, typ)
		case eventFieldUserID:
			e.userID, n, ok = consumeString(b, typ)
		case eventFieldAttributes:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && scanKeyValue(v, 1, &e.attributesNested)
			e.attributes++
		case eventFieldTags:
			_, n, ok = consumeString(b, typ)
			e.tags++
		case eventFieldHTTP:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			// A repeated message field merges in proto.Unmarshal.
			ok = ok && !e.hasHTTP && scanHTTP(v, &e.http)
			e.hasHTTP = true
		case eventFieldError:
			var v []byte
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && !e.hasError && scanError(v, &e.err)
			e.hasError = true
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

func scanHTTP(b []byte, h *wireHTTP) bool {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		var v uint64
		switch num {
		case httpFieldMethod:
			h.method, n, ok = consumeString(b, typ)
		case httpFieldRoute:
			h.route, n, ok = consumeString(b, typ)
		case httpFieldPath:
			h.path, n, ok = consumeString(b, typ)
		case httpFieldURL:
			h.url, n, ok = consumeString(b, typ)
		case httpFieldStatusCode:
			v, n, ok = consumeVarintField(b, typ)
			h.statusCode = uint32(v)
		case httpFieldDurationMs:
			v, n, ok = consumeFixed64Field(b, typ)
			h.durationMs = math.Float64frombits(v)
		case httpFieldRequestSize:
			v, n, ok = consumeVarintField(b, typ)
			h.requestSize = int64(v)
		case httpFieldResponseSize:
			v, n, ok = consumeVarintField(b, typ)
			h.responseSize = int64(v)
		case httpFieldUserAgent:
			h.userAgent, n, ok = consumeString(b, typ)
		case httpFieldClientAddress:
			h.clientAddress, n, ok = consumeString(b, typ)
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

func scanError(b []byte, e *wireError) bool {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		var ok bool
		switch num {
		case errorFieldType:
			e.typ, n, ok = consumeString(b, typ)
		case errorFieldMessage:
			e.message, n, ok = consumeString(b, typ)
		case errorFieldStack:
			e.stack, n, ok = consumeString(b, typ)
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
		case kvFieldKey:
			var key string
			key, n, ok = consumeString(b, typ)
			hasKey = key != ""
		case kvFieldValue:
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
// several times) takes the reference path.
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
		case anyFieldString:
			_, n, ok = consumeString(b, typ)
		case anyFieldInt, anyFieldBool:
			_, n, ok = consumeVarintField(b, typ)
		case anyFieldDouble:
			_, n, ok = consumeFixed64Field(b, typ)
		case anyFieldArray:
			v, n, ok = consumeBytesField(b, typ)
			ok = ok && scanList(v, level+1, nested, scanAnyValue)
			*nested = true
		case anyFieldKvlist:
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
	if level > maxScanLevel {
		return false
	}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		if num == listFieldValues {
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

// nextField returns the next occurrence of field num (length-delimited) in
// b and the rest of b after it. ok is false at the end. b must have passed
// a checked scan.
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

// countField counts the occurrences of field num in b.
func countField(b []byte, num protowire.Number) int {
	n := 0
	for {
		var ok bool
		if _, b, ok = nextField(b, num); !ok {
			return n
		}
		n++
	}
}

// readKeyValue returns the key and the encoded value of a scanned KeyValue.
func readKeyValue(b []byte) (key string, value []byte, hasValue bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == kvFieldKey || num == kvFieldValue) {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				break
			}
			if num == kvFieldKey {
				key = wireString(v)
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

// readAnyValue returns the member of a scanned AnyValue (0 when none) and its
// payload: the varint or fixed64 value, or the bytes.
func readAnyValue(b []byte) (member protowire.Number, scalar uint64, payload []byte) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		switch {
		case num >= anyFieldString && num <= anyFieldKvlist:
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

// validateWire is validateEvent for a scanned event: same rules, same order,
// same reasons. raw is the encoded event. UTF-8 was checked by the scan.
func validateWire(raw []byte, e *wireEvent, now time.Time, maxAttributes int) string {
	if reason := validateScalars(len(e.id), e.timestamp, e.severity, len(e.traceID), len(e.spanID), now); reason != "" {
		return reason
	}
	if e.hasHTTP {
		h := &e.http
		if reason := validateHTTP(h.statusCode, h.durationMs, h.requestSize, h.responseSize); reason != "" {
			return reason
		}
	}
	if !e.attributesNested && e.attributes <= maxAttributes {
		// Flat attributes with keys, within the limit: nothing to find.
		return ""
	}
	count := 0
	if p := checkAttributesWire(raw, eventFieldAttributes, e.attributes, 1, &count, maxAttributes); p != nil {
		return p.String()
	}
	return ""
}

// checkAttributesWire is checkAttributes for the n KeyValues held in field
// num of the encoded message b.
func checkAttributesWire(b []byte, num protowire.Number, n, depth int, count *int, maxAttributes int) *attrProblem {
	if depth > maxAttributeDepth {
		return depthProblem()
	}
	*count += n
	if *count > maxAttributes {
		return countProblem(maxAttributes)
	}
	for {
		kvb, rest, ok := nextField(b, num)
		if !ok {
			return nil
		}
		b = rest
		key, value, hasValue := readKeyValue(kvb)
		if key == "" {
			return emptyKeyProblem()
		}
		if hasValue {
			if p := checkValueWire(value, depth, count, maxAttributes); p != nil {
				return p
			}
		}
	}
}

func checkValueWire(b []byte, depth int, count *int, maxAttributes int) *attrProblem {
	member, _, payload := readAnyValue(b)
	switch member {
	case anyFieldArray:
		if depth+1 > maxAttributeDepth {
			return depthProblem()
		}
		for {
			elem, rest, ok := nextField(payload, listFieldValues)
			if !ok {
				return nil
			}
			payload = rest
			if p := checkValueWire(elem, depth+1, count, maxAttributes); p != nil {
				return p
			}
		}
	case anyFieldKvlist:
		return checkAttributesWire(payload, listFieldValues, countField(payload, listFieldValues), depth+1, count, maxAttributes)
	}
	return nil
}

// wireAttributeCapacity is the number of attributes a record gets (fewer
// when a user attribute has the key of a field), so the map is allocated
// once and no larger than needed.
func wireAttributeCapacity(e *wireEvent) int {
	n := e.attributes + 1 // log.record.uid
	if e.tags > 0 {
		n++
	}
	h := &e.http
	for _, s := range [...]string{
		e.sessionID, e.userID,
		h.method, h.route, h.path, h.url, h.userAgent, h.clientAddress,
		e.err.typ, e.err.message, e.err.stack,
	} {
		if s != "" {
			n++
		}
	}
	for _, set := range [...]bool{h.statusCode != 0, h.durationMs != 0, h.requestSize != 0, h.responseSize != 0} {
		if set {
			n++
		}
	}
	return n
}

// convertWire fills lr from a scanned, validated event. raw is the encoded
// event; uids is the batch's buffer for log.record.uid strings (see
// uuidString).
func convertWire(lr plog.LogRecord, raw []byte, e *wireEvent, observed pcommon.Timestamp, uids *[]byte) {
	attrs := convertHead(lr, e, observed)
	// User attributes first: the explicit fields after them overwrite a user
	// attribute of the same key.
	putKeyValuesWire(attrs, raw, eventFieldAttributes)
	putIdentity(attrs, e, uids)
	if e.tags > 0 {
		tags := attrs.PutEmptySlice(semconv.AiresTags)
		tags.EnsureCapacity(e.tags)
		for b := raw; ; {
			v, rest, ok := nextField(b, eventFieldTags)
			if !ok {
				break
			}
			b = rest
			tags.AppendEmpty().SetStr(wireString(v))
		}
	}
	putHTTPAndError(attrs, e)
}

// The pieces of a log record both paths write the same way (convertWire,
// convertEvent), in this order: head, user attributes, identity, tags, HTTP
// and error.

// convertHead sets the record's timestamps, severity, body and trace context,
// and returns its attributes sized for everything that follows.
func convertHead(lr plog.LogRecord, e *wireEvent, observed pcommon.Timestamp) pcommon.Map {
	ts := pcommon.Timestamp(e.timestamp)
	if ts == 0 {
		ts = observed
	}
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(observed)
	sev := severityOf(e.severity)
	lr.SetSeverityNumber(sev.SeverityNumber())
	lr.SetSeverityText(sev.Text())
	if e.message != "" {
		lr.Body().SetStr(e.message)
	}
	if len(e.traceID) == traceLen {
		lr.SetTraceID(pcommon.TraceID(e.traceID))
	}
	if len(e.spanID) == spanLen {
		lr.SetSpanID(pcommon.SpanID(e.spanID))
	}
	attrs := lr.Attributes()
	attrs.EnsureCapacity(wireAttributeCapacity(e))
	return attrs
}

// putIdentity writes log.record.uid (the event's id, or a new UUID v7), the
// session id and the user id.
func putIdentity(attrs pcommon.Map, e *wireEvent, uids *[]byte) {
	if len(e.id) == idLen {
		attrs.PutStr(semconv.LogRecordUID, uuidString(uids, [idLen]byte(e.id)))
	} else if id, err := uuid.NewV7(); err == nil {
		attrs.PutStr(semconv.LogRecordUID, row.FormatUUID(id))
	}
	putStrIfSet(attrs, semconv.SessionID, e.sessionID)
	putStrIfSet(attrs, semconv.UserID, e.userID)
}

func putHTTPAndError(attrs pcommon.Map, e *wireEvent) {
	if e.hasHTTP {
		h := &e.http
		putStrIfSet(attrs, semconv.HTTPRequestMethod, h.method)
		putStrIfSet(attrs, semconv.HTTPRoute, h.route)
		putStrIfSet(attrs, semconv.URLPath, h.path)
		putStrIfSet(attrs, semconv.URLFull, h.url)
		if h.statusCode != 0 {
			attrs.PutInt(semconv.HTTPResponseStatusCode, int64(h.statusCode))
		}
		if h.durationMs != 0 {
			attrs.PutDouble(semconv.AiresHTTPDurationMs, h.durationMs)
		}
		if h.requestSize != 0 {
			attrs.PutInt(semconv.HTTPRequestBodySize, h.requestSize)
		}
		if h.responseSize != 0 {
			attrs.PutInt(semconv.HTTPResponseBodySize, h.responseSize)
		}
		putStrIfSet(attrs, semconv.UserAgentOriginal, h.userAgent)
		putStrIfSet(attrs, semconv.ClientAddress, h.clientAddress)
	}
	if e.hasError {
		putStrIfSet(attrs, semconv.ExceptionType, e.err.typ)
		putStrIfSet(attrs, semconv.ExceptionMessage, e.err.message)
		putStrIfSet(attrs, semconv.ExceptionStacktrace, e.err.stack)
	}
}

// putKeyValuesWire is putKeyValues for the KeyValues in field num of the
// encoded message b.
func putKeyValuesWire(m pcommon.Map, b []byte, num protowire.Number) {
	for {
		kvb, rest, ok := nextField(b, num)
		if !ok {
			return
		}
		b = rest
		key, value, hasValue := readKeyValue(kvb)
		dst := m.PutEmpty(key)
		if hasValue {
			setValueWire(dst, value)
		}
	}
}

// setValueWire is setValue for an encoded AnyValue.
func setValueWire(dst pcommon.Value, b []byte) {
	member, scalar, payload := readAnyValue(b)
	switch member {
	case anyFieldString:
		dst.SetStr(wireString(payload))
	case anyFieldInt:
		dst.SetInt(int64(scalar))
	case anyFieldDouble:
		dst.SetDouble(math.Float64frombits(scalar))
	case anyFieldBool:
		dst.SetBool(protowire.DecodeBool(scalar))
	case anyFieldArray:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(countField(payload, listFieldValues))
		for {
			elem, rest, ok := nextField(payload, listFieldValues)
			if !ok {
				return
			}
			payload = rest
			setValueWire(s.AppendEmpty(), elem)
		}
	case anyFieldKvlist:
		m := dst.SetEmptyMap()
		m.EnsureCapacity(countField(payload, listFieldValues))
		putKeyValuesWire(m, payload, listFieldValues)
	}
}

// uuidLen is the length of a UUID in its canonical text form.
const uuidLen = 36

// uuidString returns row.FormatUUID(id), written into the free capacity of
// *buf so that a batch's ids take one allocation: the bytes behind a returned
// string are never written again. When buf is nil or *buf is full, the string
// is allocated on its own.
func uuidString(buf *[]byte, id [idLen]byte) string {
	if buf == nil || cap(*buf)-len(*buf) < uuidLen {
		return row.FormatUUID(id)
	}
	b := *buf
	start := len(b)
	b = row.AppendUUID(b, id)
	*buf = b
	return wireString(b[start:])
}
