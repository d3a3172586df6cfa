package airesclickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// QueueDiskConfig keeps the persistent sending queue's filesystem from
// filling up. The exporterhelper's persistent queue (v0.165) loses items it
// has already accepted when a write fails with "no space left on device":
// taking an item out of the queue writes the queue's bookkeeping, and when
// that write fails the item is dropped. So the exporter refuses new data while
// the queue's filesystem has less than MinFreeMiB free: the receivers answer
// UNAVAILABLE (clients retry later), the queue keeps the room it needs to
// deliver what it holds, and new data is taken again once there is space.
type QueueDiskConfig struct {
	// Directory is the file_storage directory of the sending queue (the
	// extension's own directory setting). Empty turns the guard off.
	Directory string `mapstructure:"directory"`
	// MinFreeMiB is the free space, in MiB, below which new data is refused.
	MinFreeMiB int64 `mapstructure:"min_free_mib"`
}

// defaultQueueDiskMinFreeMiB is room for the default queue (200,000 records
// of a few hundred bytes each) to be taken out and deleted.
const defaultQueueDiskMinFreeMiB = 64

// queueDiskCheckEvery is how long a free-space reading is trusted. Between
// readings at most one interval's worth of data goes to disk, far below the
// default reserve even at 100K events/s.
const queueDiskCheckEvery = 50 * time.Millisecond

func (c QueueDiskConfig) validate(persistent bool) error {
	if c.MinFreeMiB < 0 {
		return fmt.Errorf("queue_disk.min_free_mib %d: must not be negative", c.MinFreeMiB)
	}
	if c.Directory != "" && !persistent {
		return fmt.Errorf("queue_disk.directory %q guards the persistent queue's disk, but sending_queue has no storage: set sending_queue.storage (file_storage) or remove queue_disk", c.Directory)
	}
	return nil
}

// errQueueDiskLow is the refusal while the queue's disk is low.
var errQueueDiskLow = errors.New("the persistent queue's disk is nearly full")

// queueDiskGuard answers whether the queue's filesystem has room for new
// data, reading its free space at most every queueDiskCheckEvery.
type queueDiskGuard struct {
	dir     string
	minFree uint64
	logger  *zap.Logger
	// statfs reads the free bytes of dir; a variable for tests.
	statfs func(dir string) (uint64, error)
	now    func() time.Time

	nextCheck atomic.Int64  // unix nanoseconds of the next reading
	free      atomic.Uint64 // bytes free at the last reading
	low       atomic.Bool   // the last reading was below minFree
	statErr   atomic.Bool   // the last reading failed (logged once)
}

func newQueueDiskGuard(cfg QueueDiskConfig, logger *zap.Logger) *queueDiskGuard {
	if cfg.Directory == "" {
		return nil
	}
	return &queueDiskGuard{
		dir:     cfg.Directory,
		minFree: uint64(cfg.MinFreeMiB) << 20,
		logger:  logger,
		statfs:  freeBytes,
		now:     time.Now,
	}
}

// check returns nil when new data may go to the queue, errQueueDiskLow
// (wrapped with the figures and what to do) when it may not.
func (g *queueDiskGuard) check() error {
	now := g.now().UnixNano()
	if next := g.nextCheck.Load(); now >= next && g.nextCheck.CompareAndSwap(next, now+int64(queueDiskCheckEvery)) {
		g.read()
	}
	if !g.low.Load() {
		return nil
	}
	return fmt.Errorf("%w: %s has %d MiB free, below queue_disk.min_free_mib %d; new data is refused until the queue drains (ClickHouse reachable) or the disk gets space",
		errQueueDiskLow, g.dir, g.free.Load()>>20, g.minFree>>20)
}

// read takes a new free-space reading and logs each change of state once.
func (g *queueDiskGuard) read() {
	free, err := g.statfs(g.dir)
	if err != nil {
		// Refusing everything because the guard cannot read would turn a
		// guard into an outage: let data through and say why once.
		if !g.statErr.Swap(true) {
			g.logger.Error("Cannot read the free space of the persistent queue's disk; new data is accepted unguarded",
				zap.String("queue_disk.directory", g.dir), zap.Error(err))
		}
		g.low.Store(false)
		return
	}
	g.statErr.Store(false)
	g.free.Store(free)
	low := free < g.minFree
	switch was := g.low.Swap(low); {
	case low && !was:
		g.logger.Warn("The persistent queue's disk is nearly full: refusing new data (clients retry) until it drains",
			zap.String("queue_disk.directory", g.dir), zap.Uint64("free_mib", free>>20), zap.Uint64("min_free_mib", g.minFree>>20))
	case !low && was:
		g.logger.Info("The persistent queue's disk has room again: taking new data",
			zap.String("queue_disk.directory", g.dir), zap.Uint64("free_mib", free>>20))
	}
}

// guardedLogs refuses data in front of the sending queue while its disk is
// low; everything else is the exporterhelper's.
type guardedLogs struct {
	exporter.Logs
	guard *queueDiskGuard
}

func (g guardedLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if err := g.guard.check(); err != nil {
		return err
	}
	return g.Logs.ConsumeLogs(ctx, ld)
}
