package aires

import (
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// encoder writes queued events straight into the protobuf wire format of
// aires.v1.EventBatch (protowire, no intermediate messages), reusing one
// buffer: a steady stream of events costs no allocation on the worker. The
// output is checked against the generated code by the tests and the fuzz
// test (proto.Unmarshal of the bytes, which also rejects invalid UTF-8).
type encoder struct {
	buf   []byte
	stack []byte // scratch of symbolize
}

// Field numbers of aires.proto.
const (
	fBatchResource = 1
	fBatchEvents   = 2
	fResAttributes = 5

	fEvID, fEvTS, fEvSeverity, fEvMessage                  = 1, 2, 3, 4
	fEvService, fEvEnvironment, fEvRelease                 = 5, 6, 7
	fEvTraceID, fEvSpanID, fEvSessionID, fEvUserID         = 8, 9, 10, 11
	fEvAttributes, fEvTags, fEvHTTP, fEvError              = 12, 13, 14, 15
	fKVKey, fKVValue                                       = 1, 2
	fAnyString, fAnyInt, fAnyDouble, fAnyBool              = 1, 2, 3, 4
	fAnyArray, fAnyKVList                                  = 5, 6
	fListValues                                            = 1
	fHTTPMethod, fHTTPRoute, fHTTPPath, fHTTPURL           = 1, 2, 3, 4
	fHTTPStatus, fHTTPDuration, fHTTPReqSize, fHTTPResSize = 5, 6, 7, 8
	fHTTPUserAgent, fHTTPClient                            = 9, 10
	fErrType, fErrMessage, fErrStack                       = 1, 2, 3
)

// encode returns the EventBatch bytes for res (already marshalled) and evs;
// valid until the next call.
func (enc *encoder) encode(res []byte, evs []*event) []byte {
	enc.start(res)
	for _, e := range evs {
		enc.add(e)
	}
	return enc.buf
}

// start begins a new batch in the reused buffer, with the resource.
func (enc *encoder) start(res []byte) {
	b := enc.buf[:0]
	if len(res) > 0 {
		b = protowire.AppendTag(b, fBatchResource, protowire.BytesType)
		b = protowire.AppendBytes(b, res)
	}
	enc.buf = b
}

// add appends one event to the batch begun by start. The worker encodes each
// event as it takes it from the queue, so the batch's size in bytes is known
// at every step (Config.MaxBatchBytes) and the event goes back to the pool at
// once.
func (enc *encoder) add(e *event) {
	if len(e.wire) > 0 { // encoded by the caller
		b := append(enc.buf, tag1(fBatchEvents, protowire.BytesType))
		b = appendUvarint(b, uint64(len(e.wire)))
		enc.buf = append(b, e.wire...)
		return
	}
	b, st := begin(enc.buf, fBatchEvents)
	b = enc.event(b, e)
	enc.buf = end(b, st)
}

// begin writes the tag of a length-delimited field and a one-byte length
// placeholder; end fixes the length, moving the content when the length
// needs more than one byte (rare: small messages dominate).
func begin(b []byte, field protowire.Number) ([]byte, int) {
	b = appendTag(b, field, protowire.BytesType)
	b = append(b, 0)
	return b, len(b)
}

func end(b []byte, start int) []byte {
	n := len(b) - start
	sz := protowire.SizeVarint(uint64(n))
	if sz == 1 {
		b[start-1] = byte(n)
		return b
	}
	for range sz - 1 {
		b = append(b, 0)
	}
	copy(b[start-1+sz:], b[start:start+n])
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}

// appendVarint and appendFixed64 write a scalar field unless it is zero (the
// proto3 default).
func appendVarint(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, field, protowire.VarintType)
	return appendUvarint(b, v)
}

func appendFixed64(b []byte, field protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, field, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func appendString(b []byte, field protowire.Number, s string, limit int) []byte {
	if s == "" {
		return b
	}
	s = clean(s, limit)
	b = appendTag(b, field, protowire.BytesType)
	b = appendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTag is protowire.AppendTag with the one-byte case (fields below
// 16: all of aires.proto's) inlined.
func appendTag(b []byte, field protowire.Number, t protowire.Type) []byte {
	if field < 16 {
		return append(b, tag1(field, t))
	}
	return protowire.AppendTag(b, field, t)
}

// event appends the fields of e: all of appendEventFields', then the error,
// whose stack (program counters) it symbolizes.
func (enc *encoder) event(b []byte, e *event) []byte {
	b = appendEventFields(b, &e.eventHead, e.attrs, e.tags)
	if ei := e.err; ei != nil {
		var st int
		b, st = begin(b, fEvError)
		b = appendString(b, fErrType, ei.typ, MaxValueBytes)
		b = appendString(b, fErrMessage, ei.msg, MaxErrorBytes)
		stack := ei.stack
		if stack == "" && ei.npc > 0 {
			stack = enc.symbolize(ei.pcs[:ei.npc])
		}
		b = appendString(b, fErrStack, stack, MaxStackBytes)
		b = end(b, st)
	}
	return b
}

// appendEventFields appends the fields of e up to the HTTP information (1 to
// 14; the error, field 15, is the encoder's). It only reads e, attrs and
// tags. The caller's goroutine writes the same bytes from the options
// themselves (appendOptionFields).
func appendEventFields(b []byte, e *eventHead, attrs []attr, tags []string) []byte {
	b = appendHead(b, e)
	for i := range attrs[:min(len(attrs), MaxAttributes)] {
		b = appendKV(b, fEvAttributes, &attrs[i], 0)
	}
	for _, t := range tags[:min(len(tags), MaxTags)] {
		b = appendTagValue(b, t)
	}
	return appendHTTP(b, e.http)
}

// appendHead appends the event's fields before its attributes (1 to 11).
func appendHead(b []byte, e *eventHead) []byte {
	b = append(b, tag1(fEvID, protowire.BytesType), byte(len(e.id)))
	b = append(b, e.id[:]...)
	b = appendFixed64(b, fEvTS, uint64(e.ts))
	b = appendVarint(b, fEvSeverity, uint64(e.sev))
	b = appendString(b, fEvMessage, e.msg, MaxMessageBytes)
	b = appendString(b, fEvService, e.service, MaxValueBytes)
	b = appendString(b, fEvEnvironment, e.env, MaxValueBytes)
	b = appendString(b, fEvRelease, e.release, MaxValueBytes)
	if e.hasTrace {
		b = protowire.AppendTag(b, fEvTraceID, protowire.BytesType)
		b = protowire.AppendBytes(b, e.traceID[:])
	}
	if e.hasSpan {
		b = protowire.AppendTag(b, fEvSpanID, protowire.BytesType)
		b = protowire.AppendBytes(b, e.spanID[:])
	}
	b = appendString(b, fEvSessionID, e.session, MaxValueBytes)
	return appendString(b, fEvUserID, e.user, MaxValueBytes)
}

// appendTagValue appends one tag. Tags are repeated strings: an empty one
// is still an element.
func appendTagValue(b []byte, t string) []byte {
	b = append(b, tag1(fEvTags, protowire.BytesType))
	t = clean(t, MaxValueBytes)
	b = appendUvarint(b, uint64(len(t)))
	return append(b, t...)
}

// appendHTTP appends Event.http when h is set.
func appendHTTP(b []byte, h *HTTP) []byte {
	if h == nil {
		return b
	}
	var st int
	b, st = begin(b, fEvHTTP)
	b = appendString(b, fHTTPMethod, h.Method, MaxValueBytes)
	b = appendString(b, fHTTPRoute, h.Route, MaxValueBytes)
	b = appendString(b, fHTTPPath, h.Path, MaxValueBytes)
	b = appendString(b, fHTTPURL, h.URL, MaxValueBytes)
	if h.StatusCode > 0 && h.StatusCode <= math.MaxUint32 {
		b = appendVarint(b, fHTTPStatus, uint64(h.StatusCode))
	}
	// A non-zero duration never rounds to 0.0 milliseconds.
	b = appendFixed64(b, fHTTPDuration, math.Float64bits(float64(h.Duration)/1e6))
	b = appendVarint(b, fHTTPReqSize, uint64(h.RequestSize))
	b = appendVarint(b, fHTTPResSize, uint64(h.ResponseSize))
	b = appendString(b, fHTTPUserAgent, h.UserAgent, MaxValueBytes)
	b = appendString(b, fHTTPClient, h.ClientAddress, MaxValueBytes)
	return end(b, st)
}

func (enc *encoder) symbolize(pcs []uintptr) string {
	s := enc.stack[:0]
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" || f.File != "" {
			s = append(s, f.Function...)
			s = append(s, "\n\t"...)
			s = append(s, f.File...)
			s = append(s, ':')
			s = strconv.AppendInt(s, int64(f.Line), 10)
			s = append(s, '\n')
		}
		if !more {
			break
		}
	}
	enc.stack = s
	return string(s)
}

// appendKV writes one KeyValue as field `field`; attributes with an empty key are
// skipped.
func appendKV(b []byte, field protowire.Number, a *attr, depth int) []byte {
	if a.key == "" {
		return b
	}
	if a.vk >= vString && a.vk <= vBool {
		return kvScalar(b, field, a.key, a.vk, a.str, a.num)
	}
	var st, sv int
	b, st = begin(b, field)
	b = protowire.AppendTag(b, fKVKey, protowire.BytesType)
	b = protowire.AppendString(b, clean(a.key, MaxKeyBytes))
	b, sv = begin(b, fKVValue)
	b = appendValue(b, a, depth)
	b = end(b, sv)
	return end(b, st)
}

// kvScalar writes a KeyValue whose value is a string, an integer, a double
// or a bool (nearly every attribute) in one pass: the lengths are known
// before the bytes, so no placeholder is moved, and every tag is one byte
// (all of aires.proto's field numbers are below 16). It is the encoder's
// hottest path.
func kvScalar(b []byte, field protowire.Number, key string, vk valueKind, str string, num uint64) []byte {
	key = clean(key, MaxKeyBytes)
	var vs int // the AnyValue's length
	switch vk {
	case vString:
		str = clean(str, MaxValueBytes)
		vs = 1 + protowire.SizeBytes(len(str))
	case vInt:
		vs = 1 + protowire.SizeVarint(num)
	case vFloat:
		vs = 1 + 8
	default: // vBool
		vs = 1 + 1
	}
	b = appendTag(b, field, protowire.BytesType)
	b = appendUvarint(b, uint64(1+protowire.SizeBytes(len(key))+1+protowire.SizeBytes(vs)))
	b = append(b, tag1(fKVKey, protowire.BytesType))
	b = appendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = append(b, tag1(fKVValue, protowire.BytesType))
	b = appendUvarint(b, uint64(vs))
	switch vk {
	case vString:
		b = append(b, tag1(fAnyString, protowire.BytesType))
		b = appendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	case vInt:
		b = append(b, tag1(fAnyInt, protowire.VarintType))
		b = appendUvarint(b, num)
	case vFloat:
		b = append(b, tag1(fAnyDouble, protowire.Fixed64Type))
		b = protowire.AppendFixed64(b, num)
	default:
		b = append(b, tag1(fAnyBool, protowire.VarintType), byte(num&1))
	}
	return b
}

// tag1 is the one-byte tag of a field numbered below 16 (the constants of
// this file).
func tag1(field protowire.Number, t protowire.Type) byte { return byte(field)<<3 | byte(t) }

// appendUvarint is protowire.AppendVarint with the one-byte case inlined.
func appendUvarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

// appendValue writes the content of an AnyValue. Oneof members are written even
// when zero (presence matters).
func appendValue(b []byte, a *attr, depth int) []byte {
	switch a.vk {
	case vString:
		b = protowire.AppendTag(b, fAnyString, protowire.BytesType)
		b = protowire.AppendString(b, clean(a.str, MaxValueBytes))
	case vInt:
		b = protowire.AppendTag(b, fAnyInt, protowire.VarintType)
		b = protowire.AppendVarint(b, a.num)
	case vFloat:
		b = protowire.AppendTag(b, fAnyDouble, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, a.num)
	case vBool:
		b = protowire.AppendTag(b, fAnyBool, protowire.VarintType)
		b = protowire.AppendVarint(b, a.num&1)
	case vStrings, vInts, vFloats, vBools:
		var st int
		b, st = begin(b, fAnyArray)
		b = appendList(b, a)
		b = end(b, st)
	case vGroup:
		g, _ := a.any.([]attr)
		var st int
		b, st = begin(b, fAnyKVList)
		if depth < maxNesting {
			for i := range g[:min(len(g), MaxAttributes)] {
				b = appendKV(b, fListValues, &g[i], depth+1)
			}
		}
		b = end(b, st)
	default:
		b = protowire.AppendTag(b, fAnyString, protowire.BytesType)
		b = protowire.AppendString(b, "")
	}
	return b
}

// appendList writes ArrayValue.values: one AnyValue per item.
func appendList(b []byte, a *attr) []byte {
	switch l := a.any.(type) {
	case []string:
		for _, x := range l[:min(len(l), MaxListItems)] {
			b = appendItem(b, attr{vk: vString, str: x})
		}
	case []int64:
		for _, x := range l[:min(len(l), MaxListItems)] {
			b = appendItem(b, attr{vk: vInt, num: uint64(x)})
		}
	case []float64:
		for _, x := range l[:min(len(l), MaxListItems)] {
			b = appendItem(b, attr{vk: vFloat, num: math.Float64bits(x)})
		}
	case []bool:
		for _, x := range l[:min(len(l), MaxListItems)] {
			b = appendItem(b, attr{vk: vBool, num: protowire.EncodeBool(x)})
		}
	}
	return b
}

func appendItem(b []byte, a attr) []byte {
	b, st := begin(b, fListValues)
	b = appendValue(b, &a, 0)
	return end(b, st)
}

// clean makes s valid UTF-8 (proto3 strings must be) and at most max bytes,
// cutting on a rune boundary. The common case (short, valid) costs one scan
// and no allocation.
func clean(s string, max int) string {
	if len(s) <= shortString && len(s) <= max && isASCII(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return s
}

// shortString is the length up to which clean checks for ASCII byte by byte:
// keys and most values are that short, and the plain loop takes less than
// half of utf8.ValidString's time on them (ValidString is faster on long
// strings).
const shortString = 32

func isASCII(s string) bool {
	var or byte
	for i := 0; i < len(s); i++ {
		or |= s[i]
	}
	return or < utf8.RuneSelf
}

// encodeResource marshals the batch resource once per client.
func encodeResource(cfg *Config) []byte {
	r := &airesv1.Resource{
		Service:     clean(cfg.Service, MaxValueBytes),
		Environment: clean(cfg.Environment, MaxValueBytes),
		Release:     clean(cfg.Release, MaxValueBytes),
		Host:        clean(cfg.Host, MaxValueBytes),
	}
	var kvs []byte
	for i := range cfg.ResourceAttributes {
		o := &cfg.ResourceAttributes[i]
		if o.kind != optAttr {
			continue
		}
		a := o.toAttr()
		kvs = appendKV(kvs, fResAttributes, &a, 0)
	}
	b, err := proto.Marshal(r)
	if err != nil { // cannot happen: every string was cleaned
		b = nil
	}
	return append(b, kvs...)
}
