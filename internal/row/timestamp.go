package row

import (
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

// The one rule for time, on every input path: an event's timestamp is taken
// as it is only between MinTimestampNs and LatestTimestampNs(now). The aires
// receiver rejects an event outside these bounds; a log record from any
// other path (OTLP) is kept, at a time inside them (Builder.Build), so that
// the events table never holds a `timestamp` (DateTime: whole seconds in a
// UInt32) that disagrees with its `timestamp_ns`.
const (
	// MinTimestampNs is 2000-01-01T00:00:00Z: older timestamps are bugs (a
	// zero-ish clock, seconds sent as nanoseconds), not events.
	MinTimestampNs = uint64(946684800) * uint64(time.Second)
	// MaxFutureSkew is how far ahead of the collector's clock an event may be.
	MaxFutureSkew = 24 * time.Hour
	// MaxDateTimeNs is the last nanosecond the DateTime column can hold,
	// 2106-02-07T06:28:15.999999999Z: past it the seconds no longer fit in a
	// UInt32 and ClickHouse wraps them (year 2200 would read 2063-11-24).
	MaxDateTimeNs = uint64(math.MaxUint32)*uint64(time.Second) + uint64(time.Second) - 1
)

// LatestTimestampNs is the latest acceptable timestamp at time now: now plus
// MaxFutureSkew, and never past what the DateTime column can hold.
func LatestTimestampNs(now time.Time) uint64 {
	latest := now.Add(MaxFutureSkew).UnixNano()
	if latest < 0 {
		return 0 // a clock before 1970 accepts nothing
	}
	return min(uint64(latest), MaxDateTimeNs)
}

// TimestampInRange reports whether ns (Unix nanoseconds) is an acceptable
// event time at time now: not before MinTimestampNs, not after
// LatestTimestampNs(now).
func TimestampInRange(ns uint64, now time.Time) bool {
	return ns >= MinTimestampNs && ns <= LatestTimestampNs(now)
}

// eventTime picks the time of a row built from lr at time now:
//
//   - the record's Timestamp, else its ObservedTimestamp, else now (a record
//     without either);
//   - a time outside the bounds is replaced by the ObservedTimestamp when that
//     one is inside them, else by now; original is then the time replaced
//     (else 0).
//
// Only the last case depends on the clock; Build derives a record's content
// id from the original time, so even then a retried batch keeps its ids.
//
// A time inside the bound computed for an earlier record is inside the
// current one too (it only grows): most records are decided without reading
// the clock, which Build would otherwise do for every record.
func (b *Builder) eventTime(lr plog.LogRecord) (ns, original uint64) {
	ns = uint64(lr.Timestamp())
	if ns == 0 {
		ns = uint64(lr.ObservedTimestamp())
	}
	if ns == 0 {
		return uint64(b.now().UnixNano()), 0
	}
	if ns >= MinTimestampNs && ns <= b.latest.Load() {
		return ns, 0
	}
	t := b.now()
	b.latest.Store(LatestTimestampNs(t))
	if TimestampInRange(ns, t) {
		return ns, 0
	}
	if observed := uint64(lr.ObservedTimestamp()); TimestampInRange(observed, t) {
		return observed, ns
	}
	return uint64(t.UnixNano()), ns
}

// keepOriginalTimestamp records a replaced time in the row as the string
// attribute semconv.AiresOriginalTimestampNs (decimal nanoseconds: a string holds every
// uint64, an OTel int attribute stops at 2^63-1), replacing an earlier one.
// It is not subject to the attribute limit: it says why the row's time is
// not the one the client sent.
func keepOriginalTimestamp(r *Row, original uint64) {
	v := strconv.FormatUint(original, 10)
	for i, k := range r.StrKeys {
		if k == semconv.AiresOriginalTimestampNs {
			r.StrValues[i] = v
			return
		}
	}
	r.StrKeys = append(r.StrKeys, semconv.AiresOriginalTimestampNs)
	r.StrValues = append(r.StrValues, v)
}
