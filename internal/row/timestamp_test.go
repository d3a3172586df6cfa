package row

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
)

func nanos(year int, month time.Month, day, hour, minute, sec, nsec int) uint64 {
	return uint64(time.Date(year, month, day, hour, minute, sec, nsec, time.UTC).UnixNano())
}

func TestTimestampBounds(t *testing.T) {
	assert.Equal(t, nanos(2000, 1, 1, 0, 0, 0, 0), MinTimestampNs)
	assert.Equal(t, nanos(2106, 2, 7, 6, 28, 15, 999_999_999), MaxDateTimeNs, "the last second a UInt32 holds")
	assert.Equal(t, uint64(math.MaxUint32), MaxDateTimeNs/1e9)

	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	late := time.Date(2106, 2, 7, 0, 0, 0, 0, time.UTC) // now+24h is past the DateTime range
	for _, tt := range []struct {
		name string
		ns   uint64
		now  time.Time
		want bool
	}{
		{"zero", 0, now, false},
		{"1 ns after 1970", 1, now, false},
		{"seconds sent as nanoseconds", uint64(now.Unix()), now, false},
		{"1999-12-31T23:59:59.999999999", MinTimestampNs - 1, now, false},
		{"2000-01-01", MinTimestampNs, now, true},
		{"now", uint64(now.UnixNano()), now, true},
		{"24h ahead", uint64(now.Add(MaxFutureSkew).UnixNano()), now, true},
		{"24h and 1 ns ahead", uint64(now.Add(MaxFutureSkew).UnixNano()) + 1, now, false},
		{"last DateTime ns, clock in 2106", MaxDateTimeNs, late, true},
		{"first ns past DateTime, clock in 2106", MaxDateTimeNs + 1, late, false},
		{"2200", nanos(2200, 1, 1, 0, 0, 0, 0), now, false},
		{"2200, clock in 2106", nanos(2200, 1, 1, 0, 0, 0, 0), late, false},
		{"2^63-1", math.MaxInt64, now, false},
		{"2^63-1, clock in 2106", math.MaxInt64, late, false},
		{"max uint64", math.MaxUint64, late, false},
		{"clock before 1970", MinTimestampNs, time.Unix(-100*86400, 0), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, TimestampInRange(tt.ns, tt.now))
		})
	}
}

// Whatever a log record's times, its row's timestamp_ns fits the DateTime
// column (timestamp = timestamp_ns / 1e9 without wrapping), and a replaced
// time is kept in aires.original_timestamp_ns.
func TestBuildTimestamp(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	nowNs := uint64(now.UnixNano())
	observed := nowNs - uint64(time.Second)
	inRange := nanos(2026, 11, 29, 8, 30, 0, 123)
	for _, tt := range []struct {
		name                string
		timestamp, observed uint64
		want                uint64
		original            uint64 // 0: not replaced
	}{
		{"in range", inRange, observed, inRange, 0},
		{"unset: observed", 0, observed, observed, 0},
		{"unset, no observed: now", 0, 0, nowNs, 0},
		{"1 ns: observed", 1, observed, observed, 1},
		{"1999: observed", MinTimestampNs - 1, observed, observed, MinTimestampNs - 1},
		{"2000-01-01", MinTimestampNs, observed, MinTimestampNs, 0},
		{"2106 edge: observed", MaxDateTimeNs, observed, observed, MaxDateTimeNs},
		{"2200: observed", nanos(2200, 1, 1, 0, 0, 0, 0), observed, observed, nanos(2200, 1, 1, 0, 0, 0, 0)},
		{"2200, no observed: now", nanos(2200, 1, 1, 0, 0, 0, 0), 0, nowNs, nanos(2200, 1, 1, 0, 0, 0, 0)},
		{"2^63-1: observed", math.MaxInt64, observed, observed, math.MaxInt64},
		{"max uint64: observed", math.MaxUint64, observed, observed, math.MaxUint64},
		{"2200, observed 2200 too: now", nanos(2200, 1, 1, 0, 0, 0, 0), nanos(2200, 1, 1, 0, 0, 0, 0), nowNs, nanos(2200, 1, 1, 0, 0, 0, 0)},
		{"unset, observed out of range: now", 0, math.MaxUint64, nowNs, math.MaxUint64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(Limits{})
			b.now = func() time.Time { return now }
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.Timestamp(tt.timestamp))
			lr.SetObservedTimestamp(pcommon.Timestamp(tt.observed))
			lr.Body().SetStr("m")
			var r Row
			built := b.Build(rl.Resource(), lr, &r)

			assert.Equal(t, tt.want, r.TimestampNs)
			assert.LessOrEqual(t, r.TimestampNs, MaxDateTimeNs, "timestamp = timestamp_ns / 1e9 must fit a UInt32")
			assert.Equal(t, tt.original != 0, built.TimestampReplaced)
			if tt.original == 0 {
				assert.NotContains(t, r.StrKeys, semconv.AiresOriginalTimestampNs)
				return
			}
			require.Equal(t, []string{semconv.AiresOriginalTimestampNs}, r.StrKeys)
			assert.Equal(t, []string{strconv.FormatUint(tt.original, 10)}, r.StrValues)

			// The record rewritten by the processor builds the same row,
			// later too (its time is now in range, its id written out).
			rewritten := plog.NewLogRecord()
			lr.CopyTo(rewritten)
			WriteRecord(&r, rewritten)
			later := NewBuilder(Limits{})
			later.now = func() time.Time { return now.Add(time.Hour) }
			var again Row
			assert.False(t, later.Build(rl.Resource(), rewritten, &again).TimestampReplaced)
			assert.Equal(t, r, again)
		})
	}
}

// A record stored at the current time keeps its id across retries: the id
// is derived from the time it was sent with.
func TestBuildReplacedTimestampKeepsID(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(nanos(2200, 1, 1, 0, 0, 0, 0)))
	lr.Body().SetStr("from the future")
	b := NewBuilder(Limits{})
	var first, retry Row
	b.now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	b.Build(rl.Resource(), lr, &first)
	b.now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 5, 0, time.UTC) }
	b.Build(rl.Resource(), lr, &retry)
	assert.NotEqual(t, first.TimestampNs, retry.TimestampNs)
	assert.Equal(t, first.ID, retry.ID)
}

// The original time is kept even when the record is at the attribute limit,
// and a row rebuilt from the rewritten record keeps it too.
func TestBuildOriginalTimestampOutsideLimit(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(math.MaxInt64)
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	lr.Attributes().PutInt("a", 1)
	lr.Attributes().PutInt("b", 2)
	b := NewBuilder(Limits{MaxAttributes: 2})
	var r Row
	built := b.Build(rl.Resource(), lr, &r)
	assert.True(t, built.TimestampReplaced)
	assert.Zero(t, built.DroppedAttributes)
	assert.Equal(t, 3, r.AttributeCount())

	WriteRecord(&r, lr)
	var again Row
	built = b.Build(rl.Resource(), lr, &again)
	assert.Zero(t, built.DroppedAttributes)
	assert.Equal(t, r, again)
}
