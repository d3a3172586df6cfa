package row

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

// WriteResource replaces attrs with the canonical resource attributes of r:
// the four semantic keys (when set) and the other resource attributes as
// strings.
func WriteResource(r *Row, attrs pcommon.Map) {
	attrs.Clear()
	attrs.EnsureCapacity(4 + len(r.ResourceKeys))
	putStr(attrs, semconv.ServiceName, r.Service)
	putStr(attrs, semconv.DeploymentEnvironment, r.Environment)
	putStr(attrs, semconv.ServiceVersion, r.Release)
	putStr(attrs, semconv.HostName, r.Host)
	for i, k := range r.ResourceKeys {
		attrs.PutStr(k, r.ResourceValues[i])
	}
}

// strFields and intFields are the semantic attributes written from (and
// checked against) a row's fields; a zero value means "absent". One table, so
// WriteRecord and RecordMatches cannot disagree on a key.
var strFields = [...]struct {
	key string
	get func(*Row) string
}{
	{semconv.SessionID, func(r *Row) string { return r.SessionID }},
	{semconv.UserID, func(r *Row) string { return r.UserID }},
	{semconv.HTTPRequestMethod, func(r *Row) string { return r.HTTPMethod }},
	{semconv.HTTPRoute, func(r *Row) string { return r.HTTPRoute }},
	{semconv.URLPath, func(r *Row) string { return r.HTTPPath }},
	{semconv.URLFull, func(r *Row) string { return r.HTTPURL }},
	{semconv.UserAgentOriginal, func(r *Row) string { return r.HTTPUserAgent }},
	{semconv.ClientAddress, func(r *Row) string { return r.HTTPClientIP }},
	{semconv.ExceptionType, func(r *Row) string { return r.ErrorType }},
	{semconv.ExceptionMessage, func(r *Row) string { return r.ErrorMessage }},
	{semconv.ExceptionStacktrace, func(r *Row) string { return r.ErrorStack }},
}

var intFields = [...]struct {
	key string
	get func(*Row) int64
}{
	{semconv.HTTPResponseStatusCode, func(r *Row) int64 { return int64(r.HTTPStatus) }},
	{semconv.HTTPRequestBodySize, func(r *Row) int64 { return r.HTTPRequestSize }},
	{semconv.HTTPResponseBodySize, func(r *Row) int64 { return r.HTTPResponseSize }},
}

// WriteRecord rewrites lr in the canonical shape of r: timestamp, severity,
// body and ids set, attributes replaced by the semantic keys and the
// flattened, limited typed attributes. Building a row from the result gives r
// again.
func WriteRecord(r *Row, lr plog.LogRecord) {
	lr.SetTimestamp(pcommon.Timestamp(r.TimestampNs))
	lr.SetSeverityNumber(r.Severity.SeverityNumber())
	lr.SetSeverityText(r.Severity.Text())
	lr.Body().SetStr(r.Message)

	attrs := lr.Attributes()
	attrs.Clear()
	attrs.EnsureCapacity(r.AttributeCount() + 8)
	attrs.PutStr(semconv.LogRecordUID, FormatUUID(r.ID))
	for _, f := range strFields {
		putStr(attrs, f.key, f.get(r))
	}
	for _, f := range intFields {
		if v := f.get(r); v != 0 {
			attrs.PutInt(f.key, v)
		}
	}
	if r.HTTPDurationMs != 0 {
		attrs.PutDouble(semconv.AiresHTTPDurationMs, r.HTTPDurationMs)
	}
	if len(r.Tags) > 0 {
		s := attrs.PutEmptySlice(semconv.AiresTags)
		s.EnsureCapacity(len(r.Tags))
		for _, t := range r.Tags {
			s.AppendEmpty().SetStr(t)
		}
	}
	for i, k := range r.StrKeys {
		attrs.PutStr(k, r.StrValues[i])
	}
	for i, k := range r.IntKeys {
		attrs.PutInt(k, r.IntValues[i])
	}
	for i, k := range r.FloatKeys {
		attrs.PutDouble(k, r.FloatValues[i])
	}
	for i, k := range r.BoolKeys {
		attrs.PutBool(k, r.BoolValues[i])
	}
}

func putStr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

// RecordMatches reports whether lr is already in the canonical shape of r:
// WriteRecord(r, lr) would leave it equal (same timestamp, severity, body,
// and the same set of attribute keys, types and values; order aside). It
// allocates nothing, so a processor can skip the rewrite, which costs a new
// attribute array and a value per attribute, for the common case of records
// that arrive canonical (the aires receiver writes them so). It is
// conservative: when in doubt it says false.
func RecordMatches(r *Row, lr plog.LogRecord) bool {
	if uint64(lr.Timestamp()) != r.TimestampNs ||
		lr.SeverityNumber() != r.Severity.SeverityNumber() ||
		lr.SeverityText() != r.Severity.Text() {
		return false
	}
	if body := lr.Body(); body.Type() != pcommon.ValueTypeStr || body.Str() != r.Message {
		return false
	}
	attrs := lr.Attributes()
	want := 1 + r.AttributeCount() // log.record.uid
	if v, ok := attrs.Get(semconv.LogRecordUID); !ok || v.Type() != pcommon.ValueTypeStr || !isUUIDText(v.Str(), r.ID) {
		return false
	}
	for _, f := range strFields {
		if v := f.get(r); v != "" {
			want++
			if !hasStr(attrs, f.key, v) {
				return false
			}
		}
	}
	for _, f := range intFields {
		if v := f.get(r); v != 0 {
			want++
			if !hasInt(attrs, f.key, v) {
				return false
			}
		}
	}
	if r.HTTPDurationMs != 0 {
		want++
		if !hasDouble(attrs, semconv.AiresHTTPDurationMs, r.HTTPDurationMs) {
			return false
		}
	}
	if len(r.Tags) > 0 {
		want++
		v, ok := attrs.Get(semconv.AiresTags)
		if !ok || v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() != len(r.Tags) {
			return false
		}
		s := v.Slice()
		for i, t := range r.Tags {
			if e := s.At(i); e.Type() != pcommon.ValueTypeStr || e.Str() != t {
				return false
			}
		}
	}
	// Equal counts plus every expected pair present means equal sets, as
	// long as the expected keys are distinct; a duplicate makes the map
	// smaller than want, so the answer is false, which is safe.
	if attrs.Len() != want {
		return false
	}
	for i, k := range r.StrKeys {
		if !hasStr(attrs, k, r.StrValues[i]) {
			return false
		}
	}
	for i, k := range r.IntKeys {
		if !hasInt(attrs, k, r.IntValues[i]) {
			return false
		}
	}
	for i, k := range r.FloatKeys {
		if !hasDouble(attrs, k, r.FloatValues[i]) {
			return false
		}
	}
	for i, k := range r.BoolKeys {
		v, ok := attrs.Get(k)
		if !ok || v.Type() != pcommon.ValueTypeBool || v.Bool() != r.BoolValues[i] {
			return false
		}
	}
	return true
}

func hasStr(m pcommon.Map, k, want string) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeStr && v.Str() == want
}

func hasInt(m pcommon.Map, k string, want int64) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeInt && v.Int() == want
}

func hasDouble(m pcommon.Map, k string, want float64) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeDouble && v.Double() == want
}
