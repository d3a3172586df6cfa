package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/semconv"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

// resourceKey is the effective emitter of an event: the batch's resource with
// the event's overrides applied. Events are grouped into one ResourceLogs per
// key.
type resourceKey struct {
	service, environment, release string
}

func effectiveKey(res *airesv1.Resource, ev *airesv1.Event) resourceKey {
	k := resourceKey{
		service:     res.GetService(),
		environment: res.GetEnvironment(),
		release:     res.GetRelease(),
	}
	if ev.Service != "" {
		k.service = ev.Service
	}
	if ev.Environment != "" {
		k.environment = ev.Environment
	}
	if ev.Release != "" {
		k.release = ev.Release
	}
	return k
}

func hasOverride(ev *airesv1.Event) bool {
	return ev.Service != "" || ev.Environment != "" || ev.Release != ""
}

// convertBatch converts validated events (see validateEvent) to plog.Logs:
// one ResourceLogs per effective (service, environment, release, host), each
// with one ScopeLogs named after this receiver. received is the receive time,
// used as ObservedTimestamp and as the timestamp of events that carry none.
func convertBatch(res *airesv1.Resource, events []*airesv1.Event, received time.Time, scopeVersion string) plog.Logs {
	logs := plog.NewLogs()
	if len(events) == 0 {
		return logs
	}
	observed := pcommon.NewTimestampFromTime(received)

	overrides := false
	for _, ev := range events {
		if hasOverride(ev) {
			overrides = true
			break
		}
	}
	if !overrides {
		// The common case: every event belongs to the batch's resource.
		records := newResourceLogs(logs, res, effectiveKey(res, events[0]), len(events), scopeVersion)
		for _, ev := range events {
			convertEvent(records.AppendEmpty(), ev, observed)
		}
		return logs
	}

	// Group by effective resource, keeping the order of first appearance.
	type group struct {
		key     resourceKey
		count   int
		records plog.LogRecordSlice
	}
	var groups []group
	groupOf := make([]int32, len(events))
	for i, ev := range events {
		k := effectiveKey(res, ev)
		g := -1
		for j := range groups {
			if groups[j].key == k {
				g = j
				break
			}
		}
		if g < 0 {
			g = len(groups)
			groups = append(groups, group{key: k})
		}
		groups[g].count++
		groupOf[i] = int32(g)
	}
	logs.ResourceLogs().EnsureCapacity(len(groups))
	for j := range groups {
		groups[j].records = newResourceLogs(logs, res, groups[j].key, groups[j].count, scopeVersion)
	}
	for i, ev := range events {
		convertEvent(groups[groupOf[i]].records.AppendEmpty(), ev, observed)
	}
	return logs
}

// newResourceLogs appends a ResourceLogs for key and returns its (empty)
// record slice, with room for n records.
func newResourceLogs(logs plog.Logs, res *airesv1.Resource, key resourceKey, n int, scopeVersion string) plog.LogRecordSlice {
	rl := logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.EnsureCapacity(4 + len(res.GetAttributes()))
	// User attributes first: the explicit fields below overwrite a user
	// attribute of the same key.
	putKeyValues(attrs, res.GetAttributes())
	putStrIfSet(attrs, semconv.ServiceName, key.service)
	putStrIfSet(attrs, semconv.DeploymentEnvironment, key.environment)
	putStrIfSet(attrs, semconv.ServiceVersion, key.release)
	putStrIfSet(attrs, semconv.HostName, res.GetHost())

	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(scopeVersion)
	records := sl.LogRecords()
	records.EnsureCapacity(n)
	return records
}

// convertEvent fills lr from a validated event.
func convertEvent(lr plog.LogRecord, ev *airesv1.Event, observed pcommon.Timestamp) {
	ts := pcommon.Timestamp(ev.TimestampUnixNano)
	if ts == 0 {
		ts = observed
	}
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(observed)
	// aires.v1.Severity numbers trace..fatal as row.Severity does; unspecified
	// (and, unreachable after validation, unknown values) means info.
	sev := row.SeverityInfo
	if ev.Severity >= airesv1.Severity_SEVERITY_TRACE && ev.Severity <= airesv1.Severity_SEVERITY_FATAL {
		sev = row.Severity(ev.Severity)
	}
	lr.SetSeverityNumber(sev.SeverityNumber())
	lr.SetSeverityText(sev.Text())
	if ev.Message != "" {
		lr.Body().SetStr(ev.Message)
	}
	if len(ev.TraceId) == traceLen {
		lr.SetTraceID(pcommon.TraceID(ev.TraceId))
	}
	if len(ev.SpanId) == spanLen {
		lr.SetSpanID(pcommon.SpanID(ev.SpanId))
	}

	attrs := lr.Attributes()
	attrs.EnsureCapacity(attributeCapacity(ev))
	// User attributes first: the explicit fields below overwrite a user
	// attribute of the same key.
	putKeyValues(attrs, ev.Attributes)

	if len(ev.Id) == idLen {
		attrs.PutStr(semconv.LogRecordUID, row.FormatUUID([idLen]byte(ev.Id)))
	} else if id, err := uuid.NewV7(); err == nil {
		attrs.PutStr(semconv.LogRecordUID, row.FormatUUID(id))
	}
	putStrIfSet(attrs, semconv.SessionID, ev.SessionId)
	putStrIfSet(attrs, semconv.UserID, ev.UserId)
	if len(ev.Tags) > 0 {
		tags := attrs.PutEmptySlice(semconv.AiresTags)
		tags.EnsureCapacity(len(ev.Tags))
		for _, t := range ev.Tags {
			tags.AppendEmpty().SetStr(t)
		}
	}
	if h := ev.Http; h != nil {
		putStrIfSet(attrs, semconv.HTTPRequestMethod, h.Method)
		putStrIfSet(attrs, semconv.HTTPRoute, h.Route)
		putStrIfSet(attrs, semconv.URLPath, h.Path)
		putStrIfSet(attrs, semconv.URLFull, h.Url)
		if h.StatusCode != 0 {
			attrs.PutInt(semconv.HTTPResponseStatusCode, int64(h.StatusCode))
		}
		if h.DurationMs != 0 {
			attrs.PutDouble(semconv.AiresHTTPDurationMs, h.DurationMs)
		}
		if h.RequestSize != 0 {
			attrs.PutInt(semconv.HTTPRequestBodySize, h.RequestSize)
		}
		if h.ResponseSize != 0 {
			attrs.PutInt(semconv.HTTPResponseBodySize, h.ResponseSize)
		}
		putStrIfSet(attrs, semconv.UserAgentOriginal, h.UserAgent)
		putStrIfSet(attrs, semconv.ClientAddress, h.ClientAddress)
	}
	if e := ev.Error; e != nil {
		putStrIfSet(attrs, semconv.ExceptionType, e.Type)
		putStrIfSet(attrs, semconv.ExceptionMessage, e.Message)
		putStrIfSet(attrs, semconv.ExceptionStacktrace, e.Stack)
	}
}

// attributeCapacity is an upper bound of the number of attributes
// convertEvent writes, so the map is allocated once.
func attributeCapacity(ev *airesv1.Event) int {
	n := len(ev.Attributes) + 1 // log.record.uid
	if ev.SessionId != "" {
		n++
	}
	if ev.UserId != "" {
		n++
	}
	if len(ev.Tags) > 0 {
		n++
	}
	if ev.Http != nil {
		n += 10
	}
	if ev.Error != nil {
		n += 3
	}
	return n
}

func putStrIfSet(m pcommon.Map, key, value string) {
	if value != "" {
		m.PutStr(key, value)
	}
}

// putKeyValues writes Aires attributes into m; a later duplicate key wins.
func putKeyValues(m pcommon.Map, kvs []*airesv1.KeyValue) {
	for _, kv := range kvs {
		if kv == nil {
			continue
		}
		setValue(m.PutEmpty(kv.Key), kv.Value)
	}
}

// setValue converts an Aires value into dst, keeping its type. A value with
// nothing set stays empty.
func setValue(dst pcommon.Value, v *airesv1.AnyValue) {
	switch x := v.GetValue().(type) {
	case *airesv1.AnyValue_StringValue:
		dst.SetStr(x.StringValue)
	case *airesv1.AnyValue_IntValue:
		dst.SetInt(x.IntValue)
	case *airesv1.AnyValue_DoubleValue:
		dst.SetDouble(x.DoubleValue)
	case *airesv1.AnyValue_BoolValue:
		dst.SetBool(x.BoolValue)
	case *airesv1.AnyValue_ArrayValue:
		values := x.ArrayValue.GetValues()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(values))
		for _, e := range values {
			setValue(s.AppendEmpty(), e)
		}
	case *airesv1.AnyValue_KvlistValue:
		values := x.KvlistValue.GetValues()
		m := dst.SetEmptyMap()
		m.EnsureCapacity(len(values))
		putKeyValues(m, values)
	}
}
