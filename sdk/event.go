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

// event is what travels through the queue: filled on the caller's goroutine,
// read and recycled by the worker. Ownership passes with the channel send: the
// caller never touches it again.
type event struct {
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
	attrs    []attr
	tags     []string
	http     *HTTP
	err      *errorInfo
}

// Capacity kept by recycled events; larger slices are dropped so one huge
// event does not pin memory forever.
const (
	pooledAttrCap = 32
	pooledTagCap  = 16
)

// eventWithAttrs is what the pool allocates: an event and room for its first
// attributes in one allocation, so even an empty pool (at start, after a GC)
// costs a call one allocation, not two.
type eventWithAttrs struct {
	event
	buf [8]attr
}

var eventPool = sync.Pool{New: func() any {
	p := new(eventWithAttrs)
	p.attrs = p.buf[:0]
	return &p.event
}}

func getEvent() *event { return eventPool.Get().(*event) }

func putEvent(e *event) {
	attrs, tags := e.attrs, e.tags
	clear(attrs) // drop references to user strings
	clear(tags)
	if cap(attrs) > pooledAttrCap {
		attrs = nil
	}
	if cap(tags) > pooledTagCap {
		tags = nil
	}
	*e = event{attrs: attrs[:0], tags: tags[:0]}
	eventPool.Put(e)
}

// apply copies the options into e. It never retains opts or anything the
// caller may change later.
func (e *event) apply(opts []Option) {
	var ctxTrace, ctxSpan bool
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optNone:
		case optAttr:
			e.attrs = append(e.attrs, o.toAttr())
		case optMap:
			if m, ok := o.any.([]attr); ok {
				e.attrs = append(e.attrs, m...)
			}
		case optTraceID:
			if o.decodeID(e.traceID[:]) {
				e.hasTrace, ctxTrace = true, false
			}
		case optSpanID:
			if o.decodeID(e.spanID[:]) {
				e.hasSpan, ctxSpan = true, false
			}
		case optContext:
			ctx, _ := o.any.(context.Context)
			if ctx == nil {
				continue
			}
			sc := trace.SpanContextFromContext(ctx)
			if !sc.IsValid() {
				continue
			}
			// Explicit ids win whatever the order of the options.
			if !e.hasTrace || ctxTrace {
				e.traceID = sc.TraceID()
				e.hasTrace, ctxTrace = true, true
			}
			if !e.hasSpan || ctxSpan {
				e.spanID = sc.SpanID()
				e.hasSpan, ctxSpan = true, true
			}
		case optSessionID:
			e.session = o.str
		case optUserID:
			e.user = o.str
		case optTags:
			if o.num == 1 {
				e.tags = append(e.tags, o.str)
			} else if t, ok := o.any.([]string); ok {
				e.tags = append(e.tags, t...)
			}
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
