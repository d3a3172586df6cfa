package aires

import (
	"context"
	"encoding/hex"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// Severity is the level of an event (aires.v1.Severity).
type Severity uint8

// Severities, in increasing order; values match aires.v1.Severity.
const (
	SeverityTrace Severity = 1
	SeverityDebug Severity = 2
	SeverityInfo  Severity = 3
	SeverityWarn  Severity = 4
	SeverityError Severity = 5
	SeverityFatal Severity = 6
)

// String returns the lower-case name of the severity ("info").
func (s Severity) String() string {
	switch s {
	case SeverityTrace:
		return "trace"
	case SeverityDebug:
		return "debug"
	case SeverityInfo:
		return "info"
	case SeverityWarn:
		return "warn"
	case SeverityError:
		return "error"
	case SeverityFatal:
		return "fatal"
	}
	return "unspecified"
}

// event is what travels through the queue, in one of two forms. Most events
// are encoded on the caller's goroutine (Client.emit): only wire, the
// event's protobuf fields, is set, and the worker copies those bytes into the
// batch. An event with an error stack still to symbolize travels as fields
// (eventHead, attrs, tags; wire empty) and the worker encodes it. Ownership
// passes with the channel send: the caller never touches it again.
type event struct {
	eventHead
	attrs []attr
	tags  []string
	wire  []byte
}

// eventHead is everything of an event but its slices: one assignment copies
// it from the caller's stack into a pooled event.
type eventHead struct {
	id       [16]byte
	ts       int64
	sev      Severity
	hasTrace bool
	hasSpan  bool
	traceID  [16]byte
	spanID   [8]byte
	msg      string
	service  string
	env      string
	release  string
	session  string
	user     string
	http     *HTTP
	err      *errorInfo
}

// Capacity kept by recycled events; larger slices are dropped so one huge
// event does not pin memory forever.
const (
	pooledAttrCap = 32
	pooledTagCap  = 16
	pooledWireCap = 4 << 10
)

// pooledEvent is what the pool allocates: an event and room for the encoded
// bytes of a typical one in one allocation, so even an empty pool (at start,
// after a GC) costs a call one allocation, not two.
type pooledEvent struct {
	event
	buf [256]byte
}

var eventPool = sync.Pool{New: func() any {
	p := new(pooledEvent)
	p.wire = p.buf[:0]
	return &p.event
}}

func getEvent() *event { return eventPool.Get().(*event) }

func putEvent(e *event) {
	wire := e.wire[:0]
	if cap(wire) > pooledWireCap {
		wire = nil
	}
	if len(e.wire) > 0 { // encoded: nothing else of it was set
		e.wire = wire
		eventPool.Put(e)
		return
	}
	attrs, tags := e.attrs, e.tags
	clear(attrs) // drop references to user strings
	clear(tags)
	if cap(attrs) > pooledAttrCap {
		attrs = nil
	}
	if cap(tags) > pooledTagCap {
		tags = nil
	}
	*e = event{attrs: attrs[:0], tags: tags[:0], wire: wire}
	eventPool.Put(e)
}

// collect sets e's fields from opts and appends their attributes and tags to
// attrs and tags, which it returns.
func (e *eventHead) collect(opts []Option, attrs []attr, tags []string) ([]attr, []string) {
	var ids idSources
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optAttr:
			attrs = append(attrs, o.toAttr())
		case optMap:
			if m, ok := o.any.([]attr); ok {
				attrs = append(attrs, m...)
			}
		case optTags:
			if o.num == 1 {
				tags = append(tags, o.str)
			} else if t, ok := o.any.([]string); ok {
				tags = append(tags, t...)
			}
		default:
			e.set(o, &ids)
		}
	}
	return attrs, tags
}

// idSources records whether the trace and span ids came from a context
// (WithContext) rather than given explicitly: explicit ids win whatever the
// order of the options.
type idSources struct{ ctxTrace, ctxSpan bool }

// set applies one option that is neither an attribute nor tags.
func (e *eventHead) set(o *Option, ids *idSources) {
	switch o.kind {
	case optTraceID:
		if o.decodeID(e.traceID[:]) {
			e.hasTrace, ids.ctxTrace = true, false
		}
	case optSpanID:
		if o.decodeID(e.spanID[:]) {
			e.hasSpan, ids.ctxSpan = true, false
		}
	case optContext:
		ctx, _ := o.any.(context.Context)
		if ctx == nil {
			return
		}
		sc := trace.SpanContextFromContext(ctx)
		if !sc.IsValid() {
			return
		}
		if !e.hasTrace || ids.ctxTrace {
			e.traceID = sc.TraceID()
			e.hasTrace, ids.ctxTrace = true, true
		}
		if !e.hasSpan || ids.ctxSpan {
			e.spanID = sc.SpanID()
			e.hasSpan, ids.ctxSpan = true, true
		}
	case optSessionID:
		e.session = o.str
	case optUserID:
		e.user = o.str
	case optService:
		e.service = o.str
	case optEnvironment:
		e.env = o.str
	case optRelease:
		e.release = o.str
	case optTimestamp:
		e.ts = int64(o.num)
	case optHTTP:
		if h, ok := o.any.(*HTTP); ok {
			e.http = h
		}
	case optError:
		if ei, ok := o.any.(*errorInfo); ok {
			e.err = ei
		}
	}
}

// decodeID fills dst from a trace or span id option: raw bytes (num 1) of
// exactly len(dst), or hexadecimal (see decodeHex). False, dst untouched, when
// the id is unusable.
func (o *Option) decodeID(dst []byte) bool {
	if o.num != 1 {
		return decodeHex(dst, o.str)
	}
	if len(o.str) != len(dst) {
		return false
	}
	copy(dst, o.str)
	return true
}

// decodeHex decodes an id of exactly len(dst)*2 hex digits; false (dst
// untouched) when malformed or all zero, as W3C requires.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	var buf [16]byte
	if _, err := hex.Decode(buf[:len(dst)], []byte(s)); err != nil {
		return false
	}
	if buf == [16]byte{} { // bytes past len(dst) stay zero
		return false
	}
	copy(dst, buf[:len(dst)])
	return true
}
