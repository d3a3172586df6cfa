package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aires-dev/aires/internal/row"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

// An event's timestamp is checked against the bounds every input path
// applies, kept in one place: row.TimestampInRange.
const (
	// maxAttributeDepth bounds how deeply maps and lists may nest inside one
	// attribute value.
	maxAttributeDepth = 16
	// maxHTTPStatusCode is the largest HTTP status code (three digits).
	maxHTTPStatusCode = 999

	idLen    = 16
	traceLen = 16
	spanLen  = 8
)

// The scan must read deeper than validation accepts, so that validateWire
// never walks bytes wire.ScanEvent did not check: this constant does not
// compile otherwise.
const _ uint = wire.MaxScanLevel - maxAttributeDepth - 1

// Two validators apply the same rules, in the same order, with the same
// reasons: validateEvent to an event decoded into the generated struct (the
// reference path), validateWire to an event scanned from its wire bytes (the
// direct path). A rule added to one is added to the other; the shared pieces
// (validateScalars, validateHTTP, the attrProblem constructors) keep the
// reasons identical.

// validateEvent checks one decoded event and returns why it must be rejected,
// or "" when it is acceptable. now is the time the batch was received. It does
// not modify the event; defaults (id, timestamp, severity) are applied by the
// mapping. The reasons are sent to the client: they say what is wrong.
func validateEvent(ev *airesv1.Event, now time.Time, maxAttributes int) string {
	if ev == nil {
		return "event is empty"
	}
	if reason := validateScalars(len(ev.Id), ev.TimestampUnixNano, int32(ev.Severity), len(ev.TraceId), len(ev.SpanId), now); reason != "" {
		return reason
	}
	if f := invalidUTF8Field(ev); f != "" {
		return f + " is not valid UTF-8"
	}
	if h := ev.Http; h != nil {
		if reason := validateHTTP(h.StatusCode, h.DurationMs, h.RequestSize, h.ResponseSize); reason != "" {
			return reason
		}
	}
	count := 0
	if p := checkAttributes(ev.Attributes, 1, &count, maxAttributes); p != nil {
		return p.String()
	}
	return ""
}

// validateWire is validateEvent for an event scanned by wire.ScanEvent: same
// rules, same order, same reasons. raw is the encoded event. The scan checked
// UTF-8 already.
func validateWire(raw []byte, e *wire.Event, now time.Time, maxAttributes int) string {
	if reason := validateScalars(len(e.ID), e.Timestamp, e.Severity, len(e.TraceID), len(e.SpanID), now); reason != "" {
		return reason
	}
	if e.HasHTTP {
		h := &e.HTTP
		if reason := validateHTTP(h.StatusCode, h.DurationMs, h.RequestSize, h.ResponseSize); reason != "" {
			return reason
		}
	}
	if !e.AttributesNested && e.Attributes <= maxAttributes {
		// Flat attributes with keys, within the limit: nothing to find.
		return ""
	}
	count := 0
	if p := checkAttributesWire(raw, wire.EventAttributes, e.Attributes, 1, &count, maxAttributes); p != nil {
		return p.String()
	}
	return ""
}

// validateScalars checks the fields of an event that are plain numbers or
// bytes (lengths given), in the order validateEvent checks them.
func validateScalars(idBytes int, ts uint64, severity int32, traceBytes, spanBytes int, now time.Time) string {
	if n := idBytes; n != 0 && n != idLen {
		return fmt.Sprintf("id has %d bytes, want 16 (a UUID) or none (the collector assigns one)", n)
	}
	if ts != 0 {
		if !row.TimestampInRange(ts, now) {
			return fmt.Sprintf("absurd timestamp %d ns since the Unix epoch: want a time after 2000-01-01 and at most 24h ahead of the collector's clock, in nanoseconds, or 0 for the receive time", ts)
		}
	}
	if severity < int32(airesv1.Severity_SEVERITY_UNSPECIFIED) || severity > int32(airesv1.Severity_SEVERITY_FATAL) {
		return fmt.Sprintf("unknown severity %d: want one of trace, debug, info, warn, error, fatal (1-6) or 0 for info", severity)
	}
	if n := traceBytes; n != 0 && n != traceLen {
		return fmt.Sprintf("trace_id has %d bytes, want 16 or none", n)
	}
	if n := spanBytes; n != 0 && n != spanLen {
		return fmt.Sprintf("span_id has %d bytes, want 8 or none", n)
	}
	return ""
}

// validateHTTP checks the numbers of an event's http info.
func validateHTTP(statusCode uint32, durationMs float64, requestSize, responseSize int64) string {
	if statusCode > maxHTTPStatusCode {
		return fmt.Sprintf("http.status_code %d is not an HTTP status code (100-999, or 0 when unknown)", statusCode)
	}
	if d := durationMs; d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
		return fmt.Sprintf("http.duration_ms %v is not a duration: want a finite number of milliseconds >= 0", d)
	}
	if requestSize < 0 {
		return fmt.Sprintf("http.request_size %d is negative", requestSize)
	}
	if responseSize < 0 {
		return fmt.Sprintf("http.response_size %d is negative", responseSize)
	}
	return ""
}

// invalidUTF8Field names the first string field of ev that is not valid UTF-8.
// On the receiver's path this never fires: the scan of the direct decoder and
// proto.Unmarshal already reject such events (see decodeConvert). It keeps
// validateEvent complete on its own.
func invalidUTF8Field(ev *airesv1.Event) string {
	switch {
	case !utf8.ValidString(ev.Message):
		return "message"
	case !utf8.ValidString(ev.Service):
		return "service"
	case !utf8.ValidString(ev.Environment):
		return "environment"
	case !utf8.ValidString(ev.Release):
		return "release"
	case !utf8.ValidString(ev.SessionId):
		return "session_id"
	case !utf8.ValidString(ev.UserId):
		return "user_id"
	}
	for i, t := range ev.Tags {
		if !utf8.ValidString(t) {
			return fmt.Sprintf("tags[%d]", i)
		}
	}
	if h := ev.Http; h != nil {
		switch {
		case !utf8.ValidString(h.Method):
			return "http.method"
		case !utf8.ValidString(h.Route):
			return "http.route"
		case !utf8.ValidString(h.Path):
			return "http.path"
		case !utf8.ValidString(h.Url):
			return "http.url"
		case !utf8.ValidString(h.UserAgent):
			return "http.user_agent"
		case !utf8.ValidString(h.ClientAddress):
			return "http.client_address"
		}
	}
	if e := ev.Error; e != nil {
		switch {
		case !utf8.ValidString(e.Type):
			return "error.type"
		case !utf8.ValidString(e.Message):
			return "error.message"
		case !utf8.ValidString(e.Stack):
			return "error.stack"
		}
	}
	return ""
}

// attrProblem is why an event's attributes are rejected. For a problem with
// one value (atValue), path collects the keys leading to it, innermost first;
// problems of the attribute set as a whole (count, depth) have no path.
type attrProblem struct {
	atValue bool
	path    []string
	msg     string
}

func (p *attrProblem) String() string {
	if !p.atValue {
		return p.msg
	}
	slices.Reverse(p.path)
	return fmt.Sprintf("attribute %q: %s", strings.Join(p.path, "."), p.msg)
}

// checkAttributes counts key/values at every depth into *count and checks
// keys, string values and nesting.
func checkAttributes(kvs []*airesv1.KeyValue, depth int, count *int, maxAttributes int) *attrProblem {
	if depth > maxAttributeDepth {
		return depthProblem()
	}
	*count += len(kvs)
	if *count > maxAttributes {
		return countProblem(maxAttributes)
	}
	for _, kv := range kvs {
		if kv == nil || kv.Key == "" {
			return emptyKeyProblem()
		}
		if !utf8.ValidString(kv.Key) {
			return &attrProblem{msg: "attribute key is not valid UTF-8"}
		}
		if p := checkValue(kv.Value, depth, count, maxAttributes); p != nil {
			if p.atValue {
				p.path = append(p.path, kv.Key)
			}
			return p
		}
	}
	return nil
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
		kvb, rest, ok := wire.NextField(b, num)
		if !ok {
			return nil
		}
		b = rest
		key, value, hasValue := wire.ReadKeyValue(kvb)
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

func checkValue(v *airesv1.AnyValue, depth int, count *int, maxAttributes int) *attrProblem {
	switch x := v.GetValue().(type) {
	case *airesv1.AnyValue_StringValue:
		if !utf8.ValidString(x.StringValue) {
			return &attrProblem{atValue: true, msg: "value is not valid UTF-8"}
		}
	case *airesv1.AnyValue_ArrayValue:
		if depth+1 > maxAttributeDepth {
			return depthProblem()
		}
		for _, e := range x.ArrayValue.GetValues() {
			if p := checkValue(e, depth+1, count, maxAttributes); p != nil {
				return p
			}
		}
	case *airesv1.AnyValue_KvlistValue:
		return checkAttributes(x.KvlistValue.GetValues(), depth+1, count, maxAttributes)
	}
	return nil
}

// checkValueWire is checkValue for an encoded AnyValue.
func checkValueWire(b []byte, depth int, count *int, maxAttributes int) *attrProblem {
	member, _, payload := wire.ReadAnyValue(b)
	switch member {
	case wire.AnyArray:
		if depth+1 > maxAttributeDepth {
			return depthProblem()
		}
		for {
			elem, rest, ok := wire.NextField(payload, wire.ListValues)
			if !ok {
				return nil
			}
			payload = rest
			if p := checkValueWire(elem, depth+1, count, maxAttributes); p != nil {
				return p
			}
		}
	case wire.AnyKvlist:
		return checkAttributesWire(payload, wire.ListValues, wire.CountField(payload, wire.ListValues), depth+1, count, maxAttributes)
	}
	return nil
}

func depthProblem() *attrProblem {
	return &attrProblem{msg: fmt.Sprintf("attributes nest deeper than %d levels", maxAttributeDepth)}
}

func countProblem(maxAttributes int) *attrProblem {
	return &attrProblem{msg: fmt.Sprintf("more than max_attributes_per_event (%d) attributes, nested ones included", maxAttributes)}
}

func emptyKeyProblem() *attrProblem { return &attrProblem{msg: "attribute with an empty key"} }
