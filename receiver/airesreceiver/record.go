package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"math"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/semconv"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

// The log record writer. Both decode paths write an accepted event into its
// plog.LogRecord here: convertWire from the encoded event and the fields the
// scan read (the direct path), convertEvent from the generated struct (the
// reference path). They share every piece but the user attributes and tags,
// which one reads from the wire bytes and the other from the struct, and
// write them in the same order: head, user attributes, identity, tags, HTTP
// and error.

// convertWire fills lr from a scanned, validated event. raw is the encoded
// event; uids is the batch's buffer for log.record.uid strings (see
// uuidString); user writes the user attributes for the batch (nil: one by
// one). Attributes and tags are read from the first one on, as many as the
// scan counted: the fields around them are not walked again.
func convertWire(lr plog.LogRecord, raw []byte, e *wire.Event, observed pcommon.Timestamp, uids *[]byte, user *userAttrs) {
	attrs := convertHead(lr, e, observed)
	// User attributes first: the explicit fields after them overwrite a user
	// attribute of the same key.
	user.put(attrs, e.AttributesFrom(raw), e.Attributes)
	putIdentity(attrs, e, uids)
	if e.Tags > 0 {
		tags := attrs.PutEmptySlice(semconv.AiresTags)
		tags.EnsureCapacity(e.Tags)
		b := e.TagsFrom(raw)
		for range e.Tags {
			v, rest, ok := wire.NextField(b, wire.EventTags)
			if !ok {
				break
			}
			b = rest
			tags.AppendEmpty().SetStr(wire.String(v))
		}
	}
	putHTTPAndError(attrs, e)
}

// convertEvent fills lr from a validated, decoded event (the reference
// path), as convertWire does from a scanned one.
func convertEvent(lr plog.LogRecord, ev *airesv1.Event, observed pcommon.Timestamp) {
	e := wire.EventOf(ev)
	attrs := convertHead(lr, &e, observed)
	putKeyValues(attrs, ev.Attributes)
	putIdentity(attrs, &e, nil)
	if len(ev.Tags) > 0 {
		tags := attrs.PutEmptySlice(semconv.AiresTags)
		tags.EnsureCapacity(len(ev.Tags))
		for _, t := range ev.Tags {
			tags.AppendEmpty().SetStr(t)
		}
	}
	putHTTPAndError(attrs, &e)
}

// convertHead sets the record's timestamps, severity, body and trace context,
// and returns its attributes sized for everything that follows.
func convertHead(lr plog.LogRecord, e *wire.Event, observed pcommon.Timestamp) pcommon.Map {
	ts := pcommon.Timestamp(e.Timestamp)
	if ts == 0 {
		ts = observed
	}
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(observed)
	sev := row.SeverityOfLevel(e.Severity)
	lr.SetSeverityNumber(sev.SeverityNumber())
	lr.SetSeverityText(sev.Text())
	if e.Message != "" {
		lr.Body().SetStr(e.Message)
	}
	if len(e.TraceID) == traceLen {
		lr.SetTraceID(pcommon.TraceID(e.TraceID))
	}
	if len(e.SpanID) == spanLen {
		lr.SetSpanID(pcommon.SpanID(e.SpanID))
	}
	attrs := lr.Attributes()
	attrs.EnsureCapacity(wireAttributeCapacity(e))
	return attrs
}

// wireAttributeCapacity is the number of attributes a record gets (fewer
// when a user attribute has the key of a field), so the map is allocated
// once and no larger than needed.
func wireAttributeCapacity(e *wire.Event) int {
	n := e.Attributes + 1 // log.record.uid
	if e.Tags > 0 {
		n++
	}
	h := &e.HTTP
	for _, s := range [...]string{
		e.SessionID, e.UserID,
		h.Method, h.Route, h.Path, h.URL, h.UserAgent, h.ClientAddress,
		e.Error.Type, e.Error.Message, e.Error.Stack,
	} {
		if s != "" {
			n++
		}
	}
	for _, set := range [...]bool{h.StatusCode != 0, h.DurationMs != 0, h.RequestSize != 0, h.ResponseSize != 0} {
		if set {
			n++
		}
	}
	return n
}

// putIdentity writes log.record.uid (the event's id, or a new UUID v7), the
// session id and the user id.
func putIdentity(attrs pcommon.Map, e *wire.Event, uids *[]byte) {
	if len(e.ID) == idLen {
		attrs.PutStr(semconv.LogRecordUID, uuidString(uids, [idLen]byte(e.ID)))
	} else if id, err := uuid.NewV7(); err == nil {
		attrs.PutStr(semconv.LogRecordUID, row.FormatUUID(id))
	}
	putStrIfSet(attrs, semconv.SessionID, e.SessionID)
	putStrIfSet(attrs, semconv.UserID, e.UserID)
}

func putHTTPAndError(attrs pcommon.Map, e *wire.Event) {
	if e.HasHTTP {
		h := &e.HTTP
		putStrIfSet(attrs, semconv.HTTPRequestMethod, h.Method)
		putStrIfSet(attrs, semconv.HTTPRoute, h.Route)
		putStrIfSet(attrs, semconv.URLPath, h.Path)
		putStrIfSet(attrs, semconv.URLFull, h.URL)
		if h.StatusCode != 0 {
			attrs.PutInt(semconv.HTTPResponseStatusCode, int64(h.StatusCode))
		}
		if h.DurationMs != 0 {
			attrs.PutDouble(semconv.AiresHTTPDurationMs, h.DurationMs)
		}
		if h.RequestSize != 0 {
			attrs.PutInt(semconv.HTTPRequestBodySize, h.RequestSize)
		}
		if h.ResponseSize != 0 {
			attrs.PutInt(semconv.HTTPResponseBodySize, h.ResponseSize)
		}
		putStrIfSet(attrs, semconv.UserAgentOriginal, h.UserAgent)
		putStrIfSet(attrs, semconv.ClientAddress, h.ClientAddress)
	}
	if e.HasError {
		putStrIfSet(attrs, semconv.ExceptionType, e.Error.Type)
		putStrIfSet(attrs, semconv.ExceptionMessage, e.Error.Message)
		putStrIfSet(attrs, semconv.ExceptionStacktrace, e.Error.Stack)
	}
}

// putKeyValuesWire is putKeyValues for the first n KeyValues in field num
// of the encoded message b.
func putKeyValuesWire(m pcommon.Map, b []byte, num protowire.Number, n int) {
	for ; n != 0; n-- {
		kvb, rest, ok := wire.NextField(b, num)
		if !ok {
			return
		}
		b = rest
		key, value, hasValue := wire.ReadKeyValue(kvb)
		dst := m.PutEmpty(key)
		if hasValue {
			setValueWire(dst, value)
		}
	}
}

// setValueWire is setValue for an encoded AnyValue.
func setValueWire(dst pcommon.Value, b []byte) {
	member, scalar, payload := wire.ReadAnyValue(b)
	switch member {
	case wire.AnyString:
		dst.SetStr(wire.String(payload))
	case wire.AnyInt:
		dst.SetInt(int64(scalar))
	case wire.AnyDouble:
		dst.SetDouble(math.Float64frombits(scalar))
	case wire.AnyBool:
		dst.SetBool(protowire.DecodeBool(scalar))
	case wire.AnyArray:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(wire.CountField(payload, wire.ListValues))
		for {
			elem, rest, ok := wire.NextField(payload, wire.ListValues)
			if !ok {
				return
			}
			payload = rest
			setValueWire(s.AppendEmpty(), elem)
		}
	case wire.AnyKvlist:
		m := dst.SetEmptyMap()
		n := wire.CountField(payload, wire.ListValues)
		m.EnsureCapacity(n)
		putKeyValuesWire(m, payload, wire.ListValues, n)
	}
}

// putKeyValues writes Aires attributes into m; a later duplicate key wins.
func putKeyValues(m pcommon.Map, kvs []*airesv1.KeyValue) {
	for _, kv := range kvs {
		if kv == nil {
			continue
		}
		setValue(m.PutEmpty(kv.Key), kv.Value)
	}
}

// setValue converts an Aires value into dst, keeping its type. A value with
// nothing set stays empty.
func setValue(dst pcommon.Value, v *airesv1.AnyValue) {
	switch x := v.GetValue().(type) {
	case *airesv1.AnyValue_StringValue:
		dst.SetStr(x.StringValue)
	case *airesv1.AnyValue_IntValue:
		dst.SetInt(x.IntValue)
	case *airesv1.AnyValue_DoubleValue:
		dst.SetDouble(x.DoubleValue)
	case *airesv1.AnyValue_BoolValue:
		dst.SetBool(x.BoolValue)
	case *airesv1.AnyValue_ArrayValue:
		values := x.ArrayValue.GetValues()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(values))
		for _, e := range values {
			setValue(s.AppendEmpty(), e)
		}
	case *airesv1.AnyValue_KvlistValue:
		values := x.KvlistValue.GetValues()
		m := dst.SetEmptyMap()
		m.EnsureCapacity(len(values))
		putKeyValues(m, values)
	}
}

// The protocol numbers its severities as the stored levels do, so
// row.SeverityOfLevel maps them; these fail to compile if either side moves.
var (
	_ [int32(row.SeverityTrace) - int32(airesv1.Severity_SEVERITY_TRACE)]struct{}
	_ [int32(airesv1.Severity_SEVERITY_TRACE) - int32(row.SeverityTrace)]struct{}
	_ [int32(row.SeverityFatal) - int32(airesv1.Severity_SEVERITY_FATAL)]struct{}
	_ [int32(airesv1.Severity_SEVERITY_FATAL) - int32(row.SeverityFatal)]struct{}
)

func putStrIfSet(m pcommon.Map, key, value string) {
	if value != "" {
		m.PutStr(key, value)
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
	return wire.String(b[start:])
}
