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
	putStr(attrs, semconv.SessionID, r.SessionID)
	putStr(attrs, semconv.UserID, r.UserID)
	putStr(attrs, semconv.HTTPRequestMethod, r.HTTPMethod)
	putStr(attrs, semconv.HTTPRoute, r.HTTPRoute)
	putStr(attrs, semconv.URLPath, r.HTTPPath)
	putStr(attrs, semconv.URLFull, r.HTTPURL)
	if r.HTTPStatus != 0 {
		attrs.PutInt(semconv.HTTPResponseStatusCode, int64(r.HTTPStatus))
	}
	if r.HTTPDurationMs != 0 {
		attrs.PutDouble(semconv.AiresHTTPDurationMs, r.HTTPDurationMs)
	}
	if r.HTTPRequestSize != 0 {
		attrs.PutInt(semconv.HTTPRequestBodySize, r.HTTPRequestSize)
	}
	if r.HTTPResponseSize != 0 {
		attrs.PutInt(semconv.HTTPResponseBodySize, r.HTTPResponseSize)
	}
	putStr(attrs, semconv.UserAgentOriginal, r.HTTPUserAgent)
	putStr(attrs, semconv.ClientAddress, r.HTTPClientIP)
	putStr(attrs, semconv.ExceptionType, r.ErrorType)
	putStr(attrs, semconv.ExceptionMessage, r.ErrorMessage)
	putStr(attrs, semconv.ExceptionStacktrace, r.ErrorStack)
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

var severityTexts = [...]string{"", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// Text is the OTel severity text of a level ("ERROR").
func (s Severity) Text() string {
	if s >= SeverityTrace && s <= SeverityFatal {
		return severityTexts[s]
	}
	return "INFO"
}
