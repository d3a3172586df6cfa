package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/proto"

	"github.com/aires-dev/aires/internal/semconv"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
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
// fields wire.ScanEvent read from it in scanned).
type acceptedEvent struct {
	ev      *airesv1.Event
	raw     []byte
	scanned wire.Event
}

// own is the event's own service, environment and release.
func (a *acceptedEvent) own() resourceKey {
	if a.ev != nil {
		return resourceKey{a.ev.Service, a.ev.Environment, a.ev.Release}
	}
	return resourceKey{a.scanned.Service, a.scanned.Environment, a.scanned.Release}
}

func (a *acceptedEvent) hasOverride() bool { return a.own() != resourceKey{} }

// decodeScratch holds decodeConvert's slices between batches: the encoded
// events and their scans, about 450 bytes per event. Allocated per batch,
// they were a fifth of the bytes the collector allocated under load
// (sustained phase of make bench), each a large allocation to clear and
// then collect.
type decodeScratch struct {
	events   [][]byte
	accepted []acceptedEvent
}

// maxPooledEvents bounds the scratch kept for the next batch, so that one
// unusually large batch does not hold its memory for good.
const maxPooledEvents = 4096

var decodeScratches = sync.Pool{New: func() any { return new(decodeScratch) }}

func getDecodeScratch() *decodeScratch { return decodeScratches.Get().(*decodeScratch) }

// put clears the slots the batch used (they refer to the request's bytes
// and to decoded events), so that a pooled scratch keeps no request alive,
// and pools it.
func (s *decodeScratch) put() {
	if cap(s.events) > maxPooledEvents || cap(s.accepted) > maxPooledEvents {
		return
	}
	// Every event had a slot in accepted, rejected ones included.
	clear(s.accepted[:min(len(s.events), cap(s.accepted))])
	clear(s.events)
	s.events, s.accepted = s.events[:0], s.accepted[:0]
	decodeScratches.Put(s)
}

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
	sc := getDecodeScratch()
	defer sc.put()
	res, events, err := splitBatch(raw, maxEvents, sc.events)
	if err != nil {
		// splitBatch may have filled slots before it failed.
		clear(sc.events[:cap(sc.events)])
		return batchResult{}, err
	}
	sc.events = events
	var out batchResult
	// Each event is scanned straight into its slot; a rejected one leaves
	// the slot to the next.
	accepted := slices.Grow(sc.accepted[:0], len(events))
	sc.accepted = accepted
	for i, b := range events {
		accepted = accepted[:len(accepted)+1]
		a := &accepted[len(accepted)-1]
		var reason string
		if wire.ScanEvent(b, &a.scanned) {
			a.ev, a.raw = nil, b // the slot may hold a rejected event
			reason = validateWire(b, &a.scanned, received, maxAttributes)
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
	var uids []byte    // log.record.uid strings of the batch
	var user userAttrs // the user attributes of the batch
	convert := func(lr plog.LogRecord, a *acceptedEvent) {
		if a.ev != nil {
			convertEvent(lr, a.ev, observed)
			return
		}
		if uids == nil && len(a.scanned.ID) == idLen {
			uids = make([]byte, 0, uuidLen*len(events))
		}
		convertWire(lr, a.raw, &a.scanned, observed, &uids, &user)
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
