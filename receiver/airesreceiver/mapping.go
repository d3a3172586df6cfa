package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/proto"

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

// effectiveKey applies an event's own service, environment and release
// (own, empty when not set) over the batch's resource.
func effectiveKey(res *airesv1.Resource, own resourceKey) resourceKey {
	k := resourceKey{
		service:     res.GetService(),
		environment: res.GetEnvironment(),
		release:     res.GetRelease(),
	}
	if own.service != "" {
		k.service = own.service
	}
	if own.environment != "" {
		k.environment = own.environment
	}
	if own.release != "" {
		k.release = own.release
	}
	return k
}

// acceptedEvent is an event that passed validation, waiting for conversion:
// either decoded (ev, the reference path) or still encoded (raw, with the
// fields scanEvent read from it in wire).
type acceptedEvent struct {
	ev   *airesv1.Event
	raw  []byte
	wire wireEvent
}

// own is the event's own service, environment and release.
func (a *acceptedEvent) own() resourceKey {
	if a.ev != nil {
		return resourceKey{a.ev.Service, a.ev.Environment, a.ev.Release}
	}
	return resourceKey{a.wire.service, a.wire.environment, a.wire.release}
}

func (a *acceptedEvent) hasOverride() bool { return a.own() != resourceKey{} }

// batchResult is a batch decoded, validated and converted.
type batchResult struct {
	logs       plog.Logs
	accepted   int
	rejections []*airesv1.Rejection
}

// decodeConvert decodes an encoded aires.v1.EventBatch, validates every event
// and converts the accepted ones to plog.Logs (see convertAccepted). received
// is the receive time. Log records alias raw (strings are not copied): raw
// must never be modified afterwards. A problem with the batch as a whole is a
// *batchError. decodeConvert never panics.
func decodeConvert(raw []byte, received time.Time, maxEvents, maxAttributes int, scopeVersion string) (batchResult, error) {
	res, events, err := splitBatch(raw, maxEvents)
	if err != nil {
		return batchResult{}, err
	}
	var out batchResult
	// Each event is scanned straight into its slot; a rejected one leaves
	// the slot to the next.
	accepted := make([]acceptedEvent, 0, len(events))
	for i, b := range events {
		accepted = accepted[:len(accepted)+1]
		a := &accepted[len(accepted)-1]
		var reason string
		if scanEvent(b, &a.wire) {
			a.ev, a.raw = nil, b // the slot may hold a rejected event
			reason = validateWire(b, &a.wire, received, maxAttributes)
		} else {
			// The reference path: exact proto.Unmarshal errors and semantics.
			*a = acceptedEvent{ev: new(airesv1.Event)}
			if err := proto.Unmarshal(b, a.ev); err != nil {
				reason = "event cannot be decoded: " + err.Error()
			} else {
				reason = validateEvent(a.ev, received, maxAttributes)
			}
		}
		if reason != "" {
			accepted = accepted[:len(accepted)-1]
			out.rejections = append(out.rejections, &airesv1.Rejection{Index: uint32(i), Reason: reason})
		}
	}
	out.logs = convertAccepted(res, accepted, received, scopeVersion)
	out.accepted = len(accepted)
	return out, nil
}

// convertAccepted converts validated events to plog.Logs: one ResourceLogs
// per effective (service, environment, release, host), each with one
// ScopeLogs named after this receiver. received is the receive time, used as
// ObservedTimestamp and as the timestamp of events that carry none.
func convertAccepted(res *airesv1.Resource, events []acceptedEvent, received time.Time, scopeVersion string) plog.Logs {
	logs := plog.NewLogs()
	if len(events) == 0 {
		return logs
	}
	observed := pcommon.NewTimestampFromTime(received)
	var uids []byte // log.record.uid strings of the batch
	convert := func(lr plog.LogRecord, a *acceptedEvent) {
		if a.ev != nil {
			convertEvent(lr, a.ev, observed)
			return
		}
		if uids == nil && len(a.wire.id) == idLen {
			uids = make([]byte, 0, uuidLen*len(events))
		}
		convertWire(lr, a.raw, &a.wire, observed, &uids)
	}

	overrides := false
	for i := range events {
		if events[i].hasOverride() {
			overrides = true
			break
		}
	}
	if !overrides {
		// The common case: every event belongs to the batch's resource.
		records := newResourceLogs(logs, res, effectiveKey(res, events[0].own()), len(events), scopeVersion)
		for i := range events {
			convert(records.AppendEmpty(), &events[i])
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
	for i := range events {
		k := effectiveKey(res, events[i].own())
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
	for i := range events {
		convert(groups[groupOf[i]].records.AppendEmpty(), &events[i])
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

// convertEvent fills lr from a validated, decoded event (the reference
// path), as convertWire does from a scanned one.
func convertEvent(lr plog.LogRecord, ev *airesv1.Event, observed pcommon.Timestamp) {
	e := wireEventOf(ev)
	attrs := convertHead(lr, &e, observed)
	putKeyValues(attrs, ev.Attributes)
	putIdentity(attrs, &e, nil)
	if len(ev.Tags) > 0 {
		tags := attrs.PutEmptySlice(semconv.AiresTags)
		tags.EnsureCapacity(len(ev.Tags))
		for _, t := range ev.Tags {
			tags.AppendEmpty().SetStr(t)
		}
	}
	putHTTPAndError(attrs, &e)
}

// wireEventOf holds the fields of a decoded event as scanEvent would have
// read them (attributes and tags counted).
func wireEventOf(ev *airesv1.Event) wireEvent {
	e := wireEvent{
		id: ev.Id, timestamp: ev.TimestampUnixNano, severity: int32(ev.Severity), message: ev.Message,
		service: ev.Service, environment: ev.Environment, release: ev.Release,
		traceID: ev.TraceId, spanID: ev.SpanId, sessionID: ev.SessionId, userID: ev.UserId,
		attributes: len(ev.Attributes), tags: len(ev.Tags),
	}
	if h := ev.Http; h != nil {
		e.hasHTTP = true
		e.http = wireHTTP{
			method: h.Method, route: h.Route, path: h.Path, url: h.Url,
			statusCode: h.StatusCode, durationMs: h.DurationMs, requestSize: h.RequestSize, responseSize: h.ResponseSize,
			userAgent: h.UserAgent, clientAddress: h.ClientAddress,
		}
	}
	if x := ev.Error; x != nil {
		e.hasError = true
		e.err = wireError{typ: x.Type, message: x.Message, stack: x.Stack}
	}
	return e
}

// severityOf is the stored level of an aires.v1.Severity value: the protocol
// numbers trace..fatal as row.Severity does; unspecified (and, unreachable
// after validation, unknown values) means info.
func severityOf(v int32) row.Severity {
	if v >= int32(airesv1.Severity_SEVERITY_TRACE) && v <= int32(airesv1.Severity_SEVERITY_FATAL) {
		return row.Severity(v)
	}
	return row.SeverityInfo
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
