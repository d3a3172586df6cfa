package aires

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Option adds one piece of information to an event: an attribute, an id, tags,
// HTTP or error information. Options are small values (no closure, no heap
// allocation for the scalar ones); build them with the constructors of this
// package. The zero Option does nothing.
//
// Every constructor documents the protocol field (aires.v1.Event) it sets.
type Option struct {
	kind optKind
	vk   valueKind // attribute value kind
	key  string
	str  string
	num  uint64
	any  any
}

type optKind uint8

const (
	optNone optKind = iota
	optAttr
	optTraceID
	optSpanID
	optSessionID
	optUserID
	optTags
	optService
	optEnvironment
	optRelease
	optHTTP
	optError
	optContext
	optTimestamp
	optMap // top-level map form: many attributes
)

type valueKind uint8

const (
	vString valueKind = iota + 1
	vInt
	vFloat
	vBool
	vStrings
	vInts
	vFloats
	vBools
	vGroup // nested key/values ([]attr), stored as kvlist_value
)

// attr is an attribute owned by the SDK: its any field never references memory
// the caller may still change.
type attr struct {
	key string
	vk  valueKind
	str string
	num uint64
	any any // []string, []int64, []float64, []bool or []attr
}

// ---- attributes (Event.attributes, aires.v1.KeyValue) ----

// String is a string attribute (AnyValue.string_value).
func String(key, value string) Option {
	return Option{kind: optAttr, vk: vString, key: key, str: value}
}

// Int is an integer attribute (AnyValue.int_value).
func Int(key string, value int) Option {
	return Option{kind: optAttr, vk: vInt, key: key, num: uint64(int64(value))}
}

// Int64 is an integer attribute (AnyValue.int_value).
func Int64(key string, value int64) Option {
	return Option{kind: optAttr, vk: vInt, key: key, num: uint64(value)}
}

// Uint64 is an integer attribute (AnyValue.int_value); values above
// math.MaxInt64 are sent as their decimal string (AnyValue.string_value).
func Uint64(key string, value uint64) Option {
	if value > math.MaxInt64 {
		return String(key, strconv.FormatUint(value, 10))
	}
	return Option{kind: optAttr, vk: vInt, key: key, num: value}
}

// Float64 is a floating-point attribute (AnyValue.double_value).
func Float64(key string, value float64) Option {
	return Option{kind: optAttr, vk: vFloat, key: key, num: math.Float64bits(value)}
}

// Bool is a boolean attribute (AnyValue.bool_value).
func Bool(key string, value bool) Option {
	var n uint64
	if value {
		n = 1
	}
	return Option{kind: optAttr, vk: vBool, key: key, num: n}
}

// Duration is a duration attribute in milliseconds (AnyValue.double_value);
// the key is used as given (suffixing it with "_ms" is a good habit).
func Duration(key string, value time.Duration) Option {
	return Float64(key, float64(value)/float64(time.Millisecond))
}

// Time is a timestamp attribute as an RFC 3339 string with nanoseconds
// (AnyValue.string_value).
func Time(key string, value time.Time) Option {
	return String(key, value.Format(time.RFC3339Nano))
}

// Strings is a list-of-strings attribute (AnyValue.array_value). The slice is
// copied: the caller may reuse it after the call.
func Strings(key string, values []string) Option {
	return Option{kind: optAttr, vk: vStrings, key: key, any: slices.Clone(values)}
}

// Ints is a list-of-integers attribute (AnyValue.array_value). The slice is
// copied.
func Ints(key string, values []int) Option {
	out := make([]int64, len(values))
	for i, v := range values {
		out[i] = int64(v)
	}
	return Option{kind: optAttr, vk: vInts, key: key, any: out}
}

// Int64s is a list-of-integers attribute (AnyValue.array_value). The slice is
// copied.
func Int64s(key string, values []int64) Option {
	return Option{kind: optAttr, vk: vInts, key: key, any: slices.Clone(values)}
}

// Float64s is a list-of-floats attribute (AnyValue.array_value). The slice is
// copied.
func Float64s(key string, values []float64) Option {
	return Option{kind: optAttr, vk: vFloats, key: key, any: slices.Clone(values)}
}

// Bools is a list-of-booleans attribute (AnyValue.array_value). The slice is
// copied.
func Bools(key string, values []bool) Option {
	return Option{kind: optAttr, vk: vBools, key: key, any: slices.Clone(values)}
}

// Group is a nested attribute (AnyValue.kvlist_value) holding the attribute
// options among attrs (other kinds of options are ignored). The collector
// stores it flattened with dotted keys ("key.sub").
func Group(key string, attrs ...Option) Option {
	g := make([]attr, 0, len(attrs))
	for i := range attrs {
		if attrs[i].kind == optAttr {
			g = append(g, attrs[i].toAttr())
		}
	}
	return Option{kind: optAttr, vk: vGroup, key: key, any: g}
}

// Map is a nested attribute (AnyValue.kvlist_value) built from a map, each
// value converted as by Any. The map is read during the call only.
func Map(key string, m map[string]any) Option {
	return Option{kind: optAttr, vk: vGroup, key: key, any: mapAttrs(m, 0)}
}

// Attrs adds every entry of m as a top-level attribute (the map form of the
// typed constructors), each value converted as by Any. The map is read during
// the call only.
func Attrs(m map[string]any) Option {
	return Option{kind: optMap, any: mapAttrs(m, 0)}
}

// Any is an attribute whose type is chosen from the value: strings, integers,
// floats, booleans, their slices, time.Duration (milliseconds), time.Time,
// error (its message), map[string]any (nested) and fmt.Stringer keep a
// matching type; anything else is formatted with fmt ("%+v").
func Any(key string, value any) Option {
	return anyAttr(key, value, 0)
}

const maxNesting = 8

func anyAttr(key string, value any, depth int) Option {
	switch v := value.(type) {
	case nil:
		return String(key, "")
	case string:
		return String(key, v)
	case []byte:
		return String(key, string(v))
	case bool:
		return Bool(key, v)
	case int:
		return Int(key, v)
	case int8:
		return Int64(key, int64(v))
	case int16:
		return Int64(key, int64(v))
	case int32:
		return Int64(key, int64(v))
	case int64:
		return Int64(key, v)
	case uint:
		return Uint64(key, uint64(v))
	case uint8:
		return Int64(key, int64(v))
	case uint16:
		return Int64(key, int64(v))
	case uint32:
		return Int64(key, int64(v))
	case uint64:
		return Uint64(key, v)
	case float32:
		return Float64(key, float64(v))
	case float64:
		return Float64(key, v)
	case time.Duration:
		return Duration(key, v)
	case time.Time:
		return Time(key, v)
	case []string:
		return Strings(key, v)
	case []int:
		return Ints(key, v)
	case []int64:
		return Int64s(key, v)
	case []float64:
		return Float64s(key, v)
	case []bool:
		return Bools(key, v)
	case map[string]any:
		if depth >= maxNesting {
			return String(key, "(nesting too deep)")
		}
		return Option{kind: optAttr, vk: vGroup, key: key, any: mapAttrs(v, depth+1)}
	case error:
		return String(key, safeErrorString(v))
	case fmt.Stringer:
		return String(key, safeString(v))
	default:
		return String(key, safeSprint(v))
	}
}

func mapAttrs(m map[string]any, depth int) []attr {
	out := make([]attr, 0, len(m))
	for k, v := range m {
		o := anyAttr(k, v, depth)
		out = append(out, o.toAttr())
	}
	// Map order is random; sort for stable output (tests, deduplication).
	slices.SortFunc(out, func(a, b attr) int { return strings.Compare(a.key, b.key) })
	return out
}

func (o *Option) toAttr() attr {
	return attr{key: o.key, vk: o.vk, str: o.str, num: o.num, any: o.any}
}

// ---- ids (Event.trace_id, span_id, session_id, user_id) ----

// WithTraceID sets Event.trace_id from a W3C trace id given as 32 hexadecimal
// characters. A malformed id is ignored.
func WithTraceID(hexID string) Option {
	return Option{kind: optTraceID, str: hexID}
}

// WithTraceIDBytes sets Event.trace_id from 16 raw bytes; any other length
// is ignored.
func WithTraceIDBytes(id [16]byte) Option {
	return Option{kind: optTraceID, str: string(id[:]), num: 1}
}

// WithSpanID sets Event.span_id from a span id given as 16 hexadecimal
// characters. A malformed id is ignored.
func WithSpanID(hexID string) Option {
	return Option{kind: optSpanID, str: hexID}
}

// WithSpanIDBytes sets Event.span_id from 8 raw bytes.
func WithSpanIDBytes(id [8]byte) Option {
	return Option{kind: optSpanID, str: string(id[:]), num: 1}
}

// WithSessionID sets Event.session_id.
func WithSessionID(id string) Option { return Option{kind: optSessionID, str: id} }

// WithUserID sets Event.user_id.
func WithUserID(id string) Option { return Option{kind: optUserID, str: id} }

// WithContext sets Event.trace_id and Event.span_id from the OpenTelemetry
// span active in ctx (trace.SpanContextFromContext). Nothing happens when ctx
// is nil or holds no valid span. Explicit WithTraceID/WithSpanID options win
// over it whatever their order.
func WithContext(ctx context.Context) Option {
	if ctx == nil {
		return Option{}
	}
	// The context is kept as is (no allocation); the span is read when the
	// option is applied, still during the call.
	return Option{kind: optContext, any: ctx}
}

// WithTags appends to Event.tags. The slice is not retained.
func WithTags(tags ...string) Option {
	switch len(tags) {
	case 0:
		return Option{}
	case 1:
		return Option{kind: optTags, str: tags[0], num: 1}
	}
	return Option{kind: optTags, any: slices.Clone(tags)}
}

// ---- per-event resource overrides (Event.service, environment, release) ----

// WithService sets Event.service, overriding Config.Service for this event.
func WithService(name string) Option { return Option{kind: optService, str: name} }

// WithEnvironment sets Event.environment, overriding Config.Environment.
func WithEnvironment(env string) Option { return Option{kind: optEnvironment, str: env} }

// WithRelease sets Event.release, overriding Config.Release.
func WithRelease(release string) Option { return Option{kind: optRelease, str: release} }

// WithTimestamp sets Event.timestamp_unix_nano instead of the time of the
// call (for events that happened earlier, or imported ones).
func WithTimestamp(t time.Time) Option {
	return Option{kind: optTimestamp, num: uint64(t.UnixNano())}
}

// ---- HTTP (Event.http) ----

// HTTP describes an HTTP request handled or made by the service; each field
// maps to the aires.v1.HttpInfo field of the same name. Zero fields are left
// unset.
type HTTP struct {
	Method        string        // HttpInfo.method ("GET")
	Route         string        // HttpInfo.route, the matched pattern ("/orders/{id}")
	Path          string        // HttpInfo.path ("/orders/42")
	URL           string        // HttpInfo.url, the full URL (for outgoing requests)
	StatusCode    int           // HttpInfo.status_code
	Duration      time.Duration // HttpInfo.duration_ms (as milliseconds)
	RequestSize   int64         // HttpInfo.request_size, bytes
	ResponseSize  int64         // HttpInfo.response_size, bytes
	UserAgent     string        // HttpInfo.user_agent
	ClientAddress string        // HttpInfo.client_address (IP, no port)
}

// WithHTTP sets Event.http. (It costs one small allocation; the HTTP
// middleware uses it once per request.)
func WithHTTP(h HTTP) Option {
	return Option{kind: optHTTP, any: &h}
}

// ---- errors (Event.error) ----

// WithError sets Event.error from err: ErrorInfo.type is the Go type of err,
// looking through fmt.Errorf("%w") wrappers (for example "*fs.PathError"),
// ErrorInfo.message is err.Error(), and ErrorInfo.stack is the stack the error
// carries when it formats one with "%+v" (github.com/pkg/errors and
// cockroachdb/errors do), otherwise the stack of the logging call. A nil err
// adds nothing.
func WithError(err error) Option {
	if err == nil {
		return Option{}
	}
	info := &errorInfo{typ: errorType(err), msg: safeErrorString(err)}
	if _, ok := err.(fmt.Formatter); ok {
		if s := safeSprintf("%+v", err); s != info.msg && len(s) > len(info.msg) {
			info.stack = s
		}
	}
	if info.stack == "" {
		info.npc = runtime.Callers(2, info.pcs[:])
	}
	return Option{kind: optError, any: info}
}

// WithErrorInfo sets Event.error from explicit type, message and stack (for
// errors that are not Go errors, such as a recovered panic value).
func WithErrorInfo(typ, message, stack string) Option {
	return Option{kind: optError, any: &errorInfo{typ: typ, msg: message, stack: stack}}
}

type errorInfo struct {
	typ, msg, stack string
	npc             int
	pcs             [32]uintptr // symbolized by the worker, off the caller's path
}

func errorType(err error) string {
	// Look through fmt.Errorf("...: %w") wrappers: their type says nothing.
	for range 16 {
		t := reflect.TypeOf(err).String()
		if t != "*fmt.wrapError" {
			return t
		}
		next := errors.Unwrap(err)
		if next == nil {
			return t
		}
		err = next
	}
	return reflect.TypeOf(err).String()
}

func safeErrorString(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = "(panic in Error(): " + safeSprint(r) + ")"
		}
	}()
	if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
		return "<nil " + v.Type().String() + ">"
	}
	return err.Error()
}

func safeString(s fmt.Stringer) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = "(panic in String())"
		}
	}()
	if v := reflect.ValueOf(s); v.Kind() == reflect.Pointer && v.IsNil() {
		return "<nil>"
	}
	return s.String()
}

func safeSprint(v any) (out string) {
	return safeSprintf("%+v", v)
}

func safeSprintf(format string, v any) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = "(panic while formatting value)"
		}
	}()
	return fmt.Sprintf(format, v)
}
