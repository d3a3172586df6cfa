package wire

import airesv1 "github.com/aires-dev/aires/proto/aires/v1"

// Event holds the fields of an encoded aires.v1.Event read by ScanEvent.
// Attributes and tags are counted and checked, not kept: the readers of
// read.go walk them again in the encoded event when they are needed.
type Event struct {
	ID                            []byte
	Timestamp                     uint64
	Severity                      int32
	Message                       string
	Service, Environment, Release string
	TraceID, SpanID               []byte
	SessionID, UserID             string
	// Attributes is the number of top-level attributes, and AttributesAt
	// the offset in the encoded event of the first one's tag: readers start
	// there, skipping the fields before it (see Attributes).
	Attributes, AttributesAt int
	// AttributesNested is set when an attribute (or nested entry) has an
	// empty key or a list or map value: validation must then walk them.
	AttributesNested bool
	// Tags is the number of tags, and TagsAt the offset of the first one,
	// as for attributes.
	Tags, TagsAt int
	HasHTTP      bool
	HTTP         HTTPInfo
	HasError     bool
	Error        ErrorInfo
}

// HTTPInfo holds the fields of an aires.v1.HttpInfo.
type HTTPInfo struct {
	Method, Route, Path, URL string
	StatusCode               uint32
	DurationMs               float64
	RequestSize              int64
	ResponseSize             int64
	UserAgent, ClientAddress string
}

// ErrorInfo holds the fields of an aires.v1.ErrorInfo.
type ErrorInfo struct {
	Type, Message, Stack string
}

// EventOf holds the fields of a decoded event as ScanEvent would have read
// them from its encoding (attributes and tags counted; AttributesNested is
// left unset), so that the receiver writes both into a log record alike.
func EventOf(ev *airesv1.Event) Event {
	e := Event{
		ID: ev.Id, Timestamp: ev.TimestampUnixNano, Severity: int32(ev.Severity), Message: ev.Message,
		Service: ev.Service, Environment: ev.Environment, Release: ev.Release,
		TraceID: ev.TraceId, SpanID: ev.SpanId, SessionID: ev.SessionId, UserID: ev.UserId,
		Attributes: len(ev.Attributes), Tags: len(ev.Tags),
	}
	if h := ev.Http; h != nil {
		e.HasHTTP = true
		e.HTTP = HTTPInfo{
			Method: h.Method, Route: h.Route, Path: h.Path, URL: h.Url,
			StatusCode: h.StatusCode, DurationMs: h.DurationMs, RequestSize: h.RequestSize, ResponseSize: h.ResponseSize,
			UserAgent: h.UserAgent, ClientAddress: h.ClientAddress,
		}
	}
	if x := ev.Error; x != nil {
		e.HasError = true
		e.Error = ErrorInfo{Type: x.Type, Message: x.Message, Stack: x.Stack}
	}
	return e
}

// AttributesFrom returns the encoded event b from its first attribute on: what
// NextField(…, EventAttributes) reads e.Attributes times.
func (e *Event) AttributesFrom(b []byte) []byte { return b[e.AttributesAt:] }

// TagsFrom returns the encoded event b from its first tag on.
func (e *Event) TagsFrom(b []byte) []byte { return b[e.TagsAt:] }
