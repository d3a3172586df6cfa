package row

import (
	"encoding/binary"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
	"github.com/aires-dev/aires/internal/validutf8"
)

// Default limits.
const (
	DefaultMaxAttributes  = 128
	DefaultMaxValueLength = 8192
)

// Limits bound what one row may hold. Zero fields take the defaults.
type Limits struct {
	// MaxAttributes is the most typed attributes kept per row (after
	// flattening); further ones are dropped.
	MaxAttributes int
	// MaxValueLength is the most bytes kept of one attribute value (string
	// attributes and resource attributes); longer values are cut at a UTF-8
	// boundary. Message and error fields are not cut.
	MaxValueLength int
}

func (l Limits) withDefaults() Limits {
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = DefaultMaxAttributes
	}
	if l.MaxValueLength <= 0 {
		l.MaxValueLength = DefaultMaxValueLength
	}
	return l
}

// Builder turns log records into rows. It is safe for concurrent use.
type Builder struct {
	limits Limits
	now    func() time.Time
	// latest is a LatestTimestampNs computed earlier: the bound only grows
	// with the clock, so a time within it needs no clock read (see eventTime).
	latest atomic.Uint64
}

// NewBuilder returns a builder with the given limits.
func NewBuilder(l Limits) *Builder {
	return &Builder{limits: l.withDefaults(), now: time.Now}
}

// Limits returns the limits in force (defaults filled in).
func (b *Builder) Limits() Limits { return b.limits }

// Built says what Build had to change in a record to make its row: the
// caller counts it.
type Built struct {
	// DroppedAttributes is how many attributes the attribute limit dropped.
	DroppedAttributes int
	// TimestampReplaced is true when the record's time was outside the
	// bounds (TimestampInRange) and the row has another one, the original
	// kept in the attribute semconv.AiresOriginalTimestampNs.
	TimestampReplaced bool
}

// Build fills r (after resetting it) from one log record and its resource.
//
// It is deterministic: the same record gives the same row, ID included (a
// record without log.record.uid gets an ID hashed from its content), so a
// retried insert is identical to the first one. The exceptions are a record
// with neither Timestamp nor ObservedTimestamp, which is stamped with the
// current time, and a record whose time is out of bounds without an
// ObservedTimestamp in bounds, also stored at the current time (its id still
// hashes the time it was sent with, so it does not change).
func (b *Builder) Build(res pcommon.Resource, lr plog.LogRecord, r *Row) Built {
	var rr Resource
	b.Resource(res, &rr)
	return b.BuildFrom(&rr, lr, r)
}

// Resource is the part of a row that comes from the record's resource,
// read once for all the records of a ResourceLogs (Builder.Resource) and
// copied into each of their rows (Builder.BuildFrom).
type Resource struct {
	Service, Environment, Release, Host string
	// Keys and Values are the other resource attributes, as strings.
	Keys, Values []string
}

// Resource fills rr from res, reusing rr's slices. rr holds res's strings:
// it is valid while res is not modified.
func (b *Builder) Resource(res pcommon.Resource, rr *Resource) {
	*rr = Resource{Keys: rr.Keys[:0], Values: rr.Values[:0]}
	b.resource(res.Attributes(), rr)
}

// ToRow resets r to a row that holds only rr: what WriteResource needs.
func (rr *Resource) ToRow(r *Row) {
	r.Reset()
	r.Service, r.Environment, r.Release, r.Host = rr.Service, rr.Environment, rr.Release, rr.Host
	r.ResourceKeys = append(r.ResourceKeys, rr.Keys...)
	r.ResourceValues = append(r.ResourceValues, rr.Values...)
}

// BuildFrom is Build for a record of the resource rr was read from: the
// same row, without reading the resource again.
func (b *Builder) BuildFrom(rr *Resource, lr plog.LogRecord, r *Row) Built {
	rr.ToRow(r)

	ts, original := b.eventTime(lr)
	r.TimestampNs = ts
	if original != 0 {
		r.TimestampNs = original // for contentID; replaced below
	}
	r.Severity = SeverityOf(lr.SeverityNumber(), lr.SeverityText())
	r.Message = valid(bodyString(lr.Body()))
	r.TraceID = traceIDText(lr.TraceID())
	r.SpanID = spanIDText(lr.SpanID())

	var st buildState
	lr.Attributes().Range(func(k string, v pcommon.Value) bool {
		b.field(k, v, r, &st)
		return true
	})
	if !st.hasID {
		r.ID = contentID(r)
	}
	if original != 0 {
		r.TimestampNs = ts
		keepOriginalTimestamp(r, original)
	}
	return Built{DroppedAttributes: st.dropped, TimestampReplaced: original != 0}
}

type buildState struct {
	hasID, haveMs bool
	dropped       int
	exempt        int // attributes kept outside the limit
}

// field stores one attribute: a known semantic key goes to its column,
// anything else becomes a typed attribute.
func (b *Builder) field(k string, v pcommon.Value, r *Row, st *buildState) {
	switch k {
	case semconv.LogRecordUID:
		if id, ok := ParseUUID(v.Str()); ok {
			r.ID, st.hasID = id, true
			return
		}
	case semconv.SessionID:
		r.SessionID = valid(v.AsString())
		return
	case semconv.UserID:
		r.UserID = valid(v.AsString())
		return
	case semconv.EnduserID:
		if r.UserID == "" {
			r.UserID = valid(v.AsString())
		}
		return
	case semconv.HTTPRequestMethod:
		r.HTTPMethod = valid(v.AsString())
		return
	case semconv.HTTPRoute:
		r.HTTPRoute = valid(v.AsString())
		return
	case semconv.URLPath:
		r.HTTPPath = valid(v.AsString())
		return
	case semconv.URLFull:
		r.HTTPURL = valid(v.AsString())
		return
	case semconv.HTTPResponseStatusCode:
		if n, ok := intOf(v); ok && n >= 0 && n <= math.MaxUint16 {
			r.HTTPStatus = uint16(n)
			return
		}
	case semconv.AiresHTTPDurationMs:
		if f, ok := floatOf(v); ok {
			r.HTTPDurationMs, st.haveMs = f, true
			return
		}
	case semconv.HTTPServerRequestDuration:
		if f, ok := floatOf(v); ok {
			if !st.haveMs {
				r.HTTPDurationMs = f * 1000
			}
			return
		}
	case semconv.HTTPRequestBodySize:
		if n, ok := intOf(v); ok {
			r.HTTPRequestSize = n
			return
		}
	case semconv.HTTPResponseBodySize:
		if n, ok := intOf(v); ok {
			r.HTTPResponseSize = n
			return
		}
	case semconv.UserAgentOriginal:
		r.HTTPUserAgent = valid(v.AsString())
		return
	case semconv.ClientAddress:
		r.HTTPClientIP = valid(v.AsString())
		return
	case semconv.ExceptionType:
		r.ErrorType = valid(v.AsString())
		return
	case semconv.ExceptionMessage:
		r.ErrorMessage = valid(v.AsString())
		return
	case semconv.ExceptionStacktrace:
		r.ErrorStack = valid(v.AsString())
		return
	case semconv.AiresTags:
		b.tags(v, r)
		return
	case semconv.AiresOriginalTimestampNs:
		// Outside the attribute limit, as when Build wrote it: a row
		// rebuilt from a rewritten record keeps it and all the others.
		b.attr(k, v, r)
		st.exempt++
		return
	}
	if v.Type() == pcommon.ValueTypeMap {
		v.Map().Range(func(sub string, sv pcommon.Value) bool {
			b.field(k+"."+sub, sv, r, st)
			return true
		})
		return
	}
	if r.AttributeCount()-st.exempt >= b.limits.MaxAttributes {
		st.dropped++
		return
	}
	b.attr(k, v, r)
}

func (b *Builder) resource(attrs pcommon.Map, r *Resource) {
	attrs.Range(func(k string, v pcommon.Value) bool {
		switch k {
		case semconv.ServiceName:
			r.Service = valid(v.AsString())
		case semconv.DeploymentEnvironment:
			r.Environment = valid(v.AsString())
		case semconv.DeploymentEnvironmentOld:
			if r.Environment == "" {
				r.Environment = valid(v.AsString())
			}
		case semconv.ServiceVersion:
			r.Release = valid(v.AsString())
		case semconv.HostName:
			r.Host = valid(v.AsString())
		default:
			r.Keys = append(r.Keys, valid(k))
			r.Values = append(r.Values, b.cut(valid(v.AsString())))
		}
		return true
	})
	// deployment.environment.name wins over the old key whatever the order.
	if v, ok := attrs.Get(semconv.DeploymentEnvironment); ok {
		r.Environment = valid(v.AsString())
	}
}

func (b *Builder) tags(v pcommon.Value, r *Row) {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			r.Tags = append(r.Tags, b.cut(valid(s.At(i).AsString())))
		}
	case pcommon.ValueTypeEmpty:
	default:
		r.Tags = append(r.Tags, b.cut(valid(v.AsString())))
	}
}

// attr adds one typed attribute (maps were flattened by field); lists and
// bytes are kept as their JSON / base64 text.
func (b *Builder) attr(k string, v pcommon.Value, r *Row) {
	k = valid(k)
	switch v.Type() {
	case pcommon.ValueTypeStr:
		r.StrKeys = append(r.StrKeys, k)
		r.StrValues = append(r.StrValues, b.cut(valid(v.Str())))
	case pcommon.ValueTypeInt:
		r.IntKeys = append(r.IntKeys, k)
		r.IntValues = append(r.IntValues, v.Int())
	case pcommon.ValueTypeDouble:
		r.FloatKeys = append(r.FloatKeys, k)
		r.FloatValues = append(r.FloatValues, v.Double())
	case pcommon.ValueTypeBool:
		r.BoolKeys = append(r.BoolKeys, k)
		r.BoolValues = append(r.BoolValues, v.Bool())
	case pcommon.ValueTypeEmpty:
		r.StrKeys = append(r.StrKeys, k)
		r.StrValues = append(r.StrValues, "")
	default: // slice, bytes
		r.StrKeys = append(r.StrKeys, k)
		r.StrValues = append(r.StrValues, b.cut(valid(v.AsString())))
	}
}

// cut shortens s to the value length limit at a UTF-8 boundary.
func (b *Builder) cut(s string) string {
	if len(s) <= b.limits.MaxValueLength {
		return s
	}
	n := b.limits.MaxValueLength
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// valid returns s, with invalid UTF-8 replaced; it allocates only then.
// A row's strings are mostly short ASCII keys and values, each checked by
// the processor and again by the exporter: validutf8 checks those a word at
// a time.
func valid(s string) string {
	if validutf8.String(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func bodyString(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeEmpty:
		return ""
	default:
		return v.AsString()
	}
}

func intOf(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		return int64(v.Double()), true
	case pcommon.ValueTypeStr:
		var n int64
		s := v.Str()
		if s == "" || len(s) > 18 {
			return 0, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int64(s[i]-'0')
		}
		return n, true
	}
	return 0, false
}

func floatOf(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double(), true
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	}
	return 0, false
}

// contentID derives a UUID (version 8, "custom") from a row's content, so a
// record without log.record.uid keeps the same id across retries. Two FNV-1a
// 64-bit hashes with different seeds; no allocation.
func contentID(r *Row) [16]byte {
	h := idHash{a: 14695981039346656037, b: 0x6c62272e07bb0142}
	h.u64(r.TimestampNs)
	h.u64(uint64(r.Severity))
	for _, s := range [...]string{r.Service, r.Environment, r.Message, r.TraceID, r.SpanID, r.SessionID, r.UserID, r.HTTPPath, r.ErrorType, r.ErrorMessage} {
		h.str(s)
	}
	for i, k := range r.StrKeys {
		h.str(k)
		h.str(r.StrValues[i])
	}
	for i, k := range r.IntKeys {
		h.str(k)
		h.u64(uint64(r.IntValues[i]))
	}
	for i, k := range r.FloatKeys {
		h.str(k)
		h.u64(math.Float64bits(r.FloatValues[i]))
	}
	for _, k := range r.BoolKeys {
		h.str(k)
	}
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], h.a)
	binary.BigEndian.PutUint64(id[8:], h.b)
	id[6] = id[6]&0x0f | 0x80 // version 8
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

type idHash struct{ a, b uint64 }

const fnvPrime = 1099511628211

func (h *idHash) byte(c byte) {
	h.a = (h.a ^ uint64(c)) * fnvPrime
	h.b = (h.b ^ uint64(c)) * fnvPrime
}

func (h *idHash) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
	h.byte(0xff) // separator: ("ab","c") differs from ("a","bc")
}

func (h *idHash) u64(v uint64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}
