package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
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

// eventSlices holds decodeConvert's slice of encoded events between
// batches. Allocated per batch, such slices were a large part of the bytes
// the collector allocated under load (sustained phase of make bench).
type eventSlices struct{ events [][]byte }

// maxPooledEvents bounds the slice kept for the next batch, so that one
// unusually large batch does not hold its memory for good.
const maxPooledEvents = 4096

var eventSlicePool = sync.Pool{New: func() any { return new(eventSlices) }}

func getEventSlices() *eventSlices { return eventSlicePool.Get().(*eventSlices) }

// put clears the slots the batch used (they refer to the request's bytes),
// so that a pooled slice keeps no request alive, and pools it.
func (s *eventSlices) put() {
	if cap(s.events) > maxPooledEvents {
		return
	}
	clear(s.events)
	s.events = s.events[:0]
	eventSlicePool.Put(s)
}

// batchResult is a batch decoded, validated and converted.
type batchResult struct {
	logs       plog.Logs
	accepted   int
	rejections []*airesv1.Rejection
}

// decodeConvert decodes an encoded aires.v1.EventBatch, validates every event
// and converts the accepted ones to plog.Logs (see batchConverter). received
// is the receive time. Log records alias raw (strings are not copied): raw
// must never be modified afterwards. A problem with the batch as a whole is a
// *batchError. decodeConvert never panics.
//
// Each event is scanned, validated and converted before the next is read,
// through one acceptedEvent: the scans of a whole batch (about 450 bytes an
// event, most of a megabyte for 2,048 small events) were written, read
// again and cleared, a tenth of the receiver's time on small events.
func decodeConvert(raw []byte, received time.Time, maxEvents, maxAttributes int, scopeVersion string) (batchResult, error) {
	sc := getEventSlices()
	defer sc.put()
	res, events, err := splitBatch(raw, maxEvents, sc.events)
	if err != nil {
		// splitBatch may have filled slots before it failed.
		clear(sc.events[:cap(sc.events)])
		return batchResult{}, err
	}
	sc.events = events
	var out batchResult
	conv := newBatchConverter(res, len(events), received, scopeVersion)
	var a acceptedEvent
	for i, b := range events {
		var reason string
		if wire.ScanEvent(b, &a.scanned) {
			a.ev, a.raw = nil, b
			reason = validateWire(b, &a.scanned, received, maxAttributes)
		} else {
			// The reference path: exact proto.Unmarshal errors and semantics.
			a = acceptedEvent{ev: new(airesv1.Event)}
			if err := proto.Unmarshal(b, a.ev); err != nil {
				reason = "event cannot be decoded: " + err.Error()
			} else {
				reason = validateEvent(a.ev, received, maxAttributes)
			}
		}
		if reason != "" {
			out.rejections = append(out.rejections, &airesv1.Rejection{Index: uint32(i), Reason: reason})
			continue
		}
		conv.add(&a)
		out.accepted++
	}
	out.logs = conv.logs
	return out, nil
}

// convertAccepted converts validated events to plog.Logs, as decodeConvert
// does one event at a time.
func convertAccepted(res *airesv1.Resource, events []acceptedEvent, received time.Time, scopeVersion string) plog.Logs {
	conv := newBatchConverter(res, len(events), received, scopeVersion)
	for i := range events {
		conv.add(&events[i])
	}
	return conv.logs
}

// batchConverter converts the accepted events of one batch to plog.Logs, in
// their order: one ResourceLogs per effective (service, environment,
// release, host), in the order of their first events, each with one
// ScopeLogs named after this receiver. received is the receive time, used as
// ObservedTimestamp and as the timestamp of events that carry none.
type batchConverter struct {
	res          *airesv1.Resource
	logs         plog.Logs
	observed     pcommon.Timestamp
	scopeVersion string
	events       int // in the batch: room for the records and ids of all
	// groups are the ResourceLogs so far; batch is the one of events
	// without overrides (the batch's own resource), -1 until one came.
	groups []resourceGroup
	batch  int
	uids   []byte    // log.record.uid strings of the batch
	user   userAttrs // the user attributes of the batch
}

type resourceGroup struct {
	key     resourceKey
	records plog.LogRecordSlice
}

func newBatchConverter(res *airesv1.Resource, events int, received time.Time, scopeVersion string) batchConverter {
	return batchConverter{
		res:          res,
		logs:         plog.NewLogs(),
		observed:     pcommon.NewTimestampFromTime(received),
		scopeVersion: scopeVersion,
		events:       events,
		batch:        -1,
	}
}

// add converts a into a new record of its resource's ResourceLogs.
func (c *batchConverter) add(a *acceptedEvent) {
	lr := c.recordsOf(a).AppendEmpty()
	if a.ev != nil {
		convertEvent(lr, a.ev, c.observed)
		return
	}
	if c.uids == nil && len(a.scanned.ID) == idLen {
		c.uids = make([]byte, 0, uuidLen*c.events)
	}
	convertWire(lr, a.raw, &a.scanned, c.observed, &c.uids, &c.user)
}

// recordsOf is the record slice of a's effective resource, added when a is
// its first event. The batch's own resource gets room for every event of
// the batch; another (an event's overrides, rare) grows as it goes.
func (c *batchConverter) recordsOf(a *acceptedEvent) plog.LogRecordSlice {
	own := a.own()
	override := own != resourceKey{}
	if !override && c.batch >= 0 {
		return c.groups[c.batch].records
	}
	k := effectiveKey(c.res, own)
	for i := range c.groups {
		if c.groups[i].key == k {
			if !override {
				c.batch = i
			}
			return c.groups[i].records
		}
	}
	room := 0
	if !override {
		c.batch, room = len(c.groups), c.events
	}
	records := newResourceLogs(c.logs, c.res, k, room, c.scopeVersion)
	c.groups = append(c.groups, resourceGroup{key: k, records: records})
	return records
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
