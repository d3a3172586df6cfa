package aires

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// encoder writes queued events straight into the protobuf wire format of
// aires.v1.EventBatch (protowire, no intermediate messages), reusing one
// buffer: a steady stream of events costs no allocation on the worker. The
// output is checked against the generated code by the tests and the fuzz
// test (proto.Unmarshal of the bytes, which also rejects invalid UTF-8).
type encoder struct {
	buf []byte
	sb  strings.Builder
}

// Field numbers of aires.proto.
const (
	fBatchResource = 1
	fBatchEvents   = 2

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
	b := enc.buf[:0]
	if len(res) > 0 {
		b = protowire.AppendTag(b, fBatchResource, protowire.BytesType)
		b = protowire.AppendBytes(b, res)
	}
	for _, e := range evs {
		var st int
		b, st = begin(b, fBatchEvents)
		b = enc.event(b, e)
		b = end(b, st)
	}
	enc.buf = b
	return b
}

// begin writes the tag of a length-delimited field and a one-byte length
// placeholder; end fixes the length, moving the content when the length
// needs more than one byte (rare: small messages dominate).
func begin(b []byte, field protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, field, protowire.BytesType)
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

func appendString(b []byte, field protowire.Number, s string, limit int) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, clean(s, limit))
}

func (enc *encoder) event(b []byte, e *event) []byte {
	b = protowire.AppendTag(b, fEvID, protowire.BytesType)
	b = protowire.AppendBytes(b, e.id[:])
	if e.ts != 0 {
		b = protowire.AppendTag(b, fEvTS, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, uint64(e.ts))
	}
	if e.sev != 0 {
		b = protowire.AppendTag(b, fEvSeverity, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(e.sev))
	}
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
	b = appendString(b, fEvUserID, e.user, MaxValueBytes)
	for i := range e.attrs[:min(len(e.attrs), MaxAttributes)] {
		b = enc.kv(b, fEvAttributes, &e.attrs[i], 0)
	}
	for _, t := range e.tags[:min(len(e.tags), MaxTags)] {
		// Tags are repeated strings: an empty one is still an element.
		b = protowire.AppendTag(b, fEvTags, protowire.BytesType)
		b = protowire.AppendString(b, clean(t, MaxValueBytes))
	}
	if h := e.http; h != nil {
		var st int
		b, st = begin(b, fEvHTTP)
		b = appendString(b, fHTTPMethod, h.Method, MaxValueBytes)
		b = appendString(b, fHTTPRoute, h.Route, MaxValueBytes)
		b = appendString(b, fHTTPPath, h.Path, MaxValueBytes)
		b = appendString(b, fHTTPURL, h.URL, MaxValueBytes)
		if h.StatusCode > 0 && h.StatusCode <= math.MaxUint32 {
			b = protowire.AppendTag(b, fHTTPStatus, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(h.StatusCode))
		}
		if h.Duration != 0 {
			b = protowire.AppendTag(b, fHTTPDuration, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(float64(h.Duration)/1e6))
		}
		if h.RequestSize != 0 {
			b = protowire.AppendTag(b, fHTTPReqSize, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(h.RequestSize))
		}
		if h.ResponseSize != 0 {
			b = protowire.AppendTag(b, fHTTPResSize, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(h.ResponseSize))
		}
		b = appendString(b, fHTTPUserAgent, h.UserAgent, MaxValueBytes)
		b = appendString(b, fHTTPClient, h.ClientAddress, MaxValueBytes)
		b = end(b, st)
	}
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

func (enc *encoder) symbolize(pcs []uintptr) string {
	enc.sb.Reset()
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" || f.File != "" {
			enc.sb.WriteString(f.Function)
			enc.sb.WriteString("\n\t")
			enc.sb.WriteString(f.File)
			enc.sb.WriteByte(':')
			enc.sb.WriteString(strconv.Itoa(f.Line))
			enc.sb.WriteByte('\n')
		}
		if !more {
			break
		}
	}
	return enc.sb.String()
}

// kv writes one KeyValue as field `field`; attributes with an empty key are
// skipped.
func (enc *encoder) kv(b []byte, field protowire.Number, a *attr, depth int) []byte {
	if a.key == "" {
		return b
	}
	var st, sv int
	b, st = begin(b, field)
	b = protowire.AppendTag(b, fKVKey, protowire.BytesType)
	b = protowire.AppendString(b, clean(a.key, MaxKeyBytes))
	b, sv = begin(b, fKVValue)
	b = enc.value(b, a, depth)
	b = end(b, sv)
	return end(b, st)
}

// value writes the content of an AnyValue. Oneof members are written even
// when zero (presence matters).
func (enc *encoder) value(b []byte, a *attr, depth int) []byte {
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
				b = enc.kv(b, fListValues, &g[i], depth+1)
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
	item := func(b []byte) ([]byte, int) { return begin(b, fListValues) }
	switch l := a.any.(type) {
	case []string:
		for _, x := range l[:min(len(l), MaxListItems)] {
			var st int
			b, st = item(b)
			b = protowire.AppendTag(b, fAnyString, protowire.BytesType)
			b = protowire.AppendString(b, clean(x, MaxValueBytes))
			b = end(b, st)
		}
	case []int64:
		for _, x := range l[:min(len(l), MaxListItems)] {
			var st int
			b, st = item(b)
			b = protowire.AppendTag(b, fAnyInt, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(x))
			b = end(b, st)
		}
	case []float64:
		for _, x := range l[:min(len(l), MaxListItems)] {
			var st int
			b, st = item(b)
			b = protowire.AppendTag(b, fAnyDouble, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(x))
			b = end(b, st)
		}
	case []bool:
		for _, x := range l[:min(len(l), MaxListItems)] {
			var st int
			b, st = item(b)
			b = protowire.AppendTag(b, fAnyBool, protowire.VarintType)
			b = protowire.AppendVarint(b, protowire.EncodeBool(x))
			b = end(b, st)
		}
	}
	return b
}

// clean makes s valid UTF-8 (proto3 strings must be) and at most max bytes,
// cutting on a rune boundary. The common case (short, valid) costs one scan
// and no allocation.
func clean(s string, max int) string {
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

// encodeResource marshals the batch resource once per client.
func encodeResource(cfg *Config) []byte {
	r := &airesv1.Resource{
		Service:     clean(cfg.Service, MaxValueBytes),
		Environment: clean(cfg.Environment, MaxValueBytes),
		Release:     clean(cfg.Release, MaxValueBytes),
		Host:        clean(cfg.Host, MaxValueBytes),
	}
	var enc encoder
	var kvs []byte
	for i := range cfg.ResourceAttributes {
		o := &cfg.ResourceAttributes[i]
		if o.kind != optAttr {
			continue
		}
		a := o.toAttr(0)
		kvs = enc.kv(kvs, 5, &a, 0) // Resource.attributes
	}
	b, err := proto.Marshal(r)
	if err != nil { // cannot happen: every string was cleaned
		b = nil
	}
	return append(b, kvs...)
}
