package aires

import (
	"testing"
	"time"
)

// nowUnixNano agrees with time.Now, before and after a recalibration. The
// margin only covers the two clocks being read a few nanoseconds apart; no
// step of the system clock is expected while the test runs.
func TestClockFollowsWallClock(t *testing.T) {
	const margin = int64(time.Millisecond)
	for _, recalibrate := range []bool{false, true} {
		if recalibrate {
			clock.at.Store(-clockRecalibration) // the next call measures the offset again
		}
		for range 1000 {
			before := time.Now().UnixNano()
			got := nowUnixNano()
			after := time.Now().UnixNano()
			if got < before-margin || got > after+margin {
				t.Fatalf("recalibrate %v: nowUnixNano() = %d, outside time.Now's %d..%d", recalibrate, got, before, after)
			}
		}
	}
}

// BenchmarkClock compares the events' clock with time.Now.
func BenchmarkClock(b *testing.B) {
	var sink int64
	b.Run("nowUnixNano", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink += nowUnixNano()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink += time.Now().UnixNano()
		}
	})
	_ = sink
}
