package aires

import (
	"sync/atomic"
	"time"
)

// The events' wall-clock time from one reading of the monotonic clock:
// time.Now reads both clocks (two vDSO calls, the larger part of its cost),
// and every logging call needs the time. nowUnixNano adds to the monotonic
// reading the offset between the two clocks, measured again by the first
// call after each clockRecalibration. Frequency corrections (NTP slewing)
// apply to both clocks alike; a step of the wall clock (set by hand, an NTP
// step, a leap second, a resume from suspend, which the monotonic clock does
// not count) shows in the events' times within clockRecalibration.
var clock struct {
	base   time.Time    // carries a monotonic reading
	offset atomic.Int64 // wall time minus monotonic time since base, at the last calibration
	at     atomic.Int64 // monotonic time since base of the last calibration
}

const clockRecalibration = int64(100 * time.Millisecond)

func init() {
	clock.base = time.Now()
	clock.offset.Store(clock.base.UnixNano())
}

// nowUnixNano is time.Now().UnixNano() for event timestamps.
func nowUnixNano() int64 {
	mono := int64(time.Since(clock.base)) // one clock reading
	if mono-clock.at.Load() < clockRecalibration {
		return mono + clock.offset.Load()
	}
	return recalibrateClock()
}

// recalibrateClock measures the offset again. Concurrent calls are harmless:
// each stores an offset measured just now; a caller that reads a new time of
// calibration with the previous offset is off by what the wall clock was
// stepped within the last clockRecalibration, as between calibrations.
func recalibrateClock() int64 {
	t := time.Now()
	mono := int64(t.Sub(clock.base))
	wall := t.UnixNano()
	clock.offset.Store(wall - mono)
	clock.at.Store(mono)
	return wall
}
