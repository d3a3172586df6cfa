package airesclickhouseexporter

import (
	"errors"
	"sync"
	"time"
)

// insertBatcher merges the pushes of every queue consumer into inserts
// (group commit). Each push builds its rows into the open group and waits
// until that group's insert returned, so a push answers for its own rows
// only once they are stored (or failed), whatever the queue in front.
//
// When the open group is sent:
//   - at once when no insert is in flight and the last one started at least
//     min_interval ago: an idle exporter does not wait for a batch to fill,
//     so one event is stored within an insert's time;
//   - while another insert runs: when the group holds min_rows rows or
//     max_bytes bytes, or its first row has waited max_delay; so under load
//     the batch grows to the size that ClickHouse inserts cheaply, by itself;
//   - never more than max_inserts at once; a group that holds max_rows rows
//     or max_bytes bytes takes no more, and the pushes behind it wait
//     (backpressure to the queue).
//
// The inserts run on up to max_inserts goroutines that live as long as the
// batcher (started on demand, ended by stop), not on a new goroutine per
// insert: a new goroutine's stack grows again, copy by copy, through the
// driver's calls on every insert (runtime.morestack; the collector's
// per-request goroutines, gRPC's included, cost it 4-5% of its CPU at 10K
// events/s in the shapes phase's profiles).
type insertBatcher struct {
	cfg InsertBatchConfig
	// send inserts a sealed group; it is run on a goroutine of its own.
	send func(*group) error
	// newGroup gives the group a push opens (its inserter comes from a pool).
	newGroup func() *group
	now      func() time.Time

	mu        sync.Mutex
	changed   *sync.Cond // an insert ended or the open group was sealed
	open      *group     // the group pushes build into; nil when none
	inFlight  int
	lastStart time.Time
	timer     *time.Timer
	timerAt   time.Time // when the armed timer fires; zero when none

	// work hands sealed groups to the insert goroutines; its capacity is
	// max_inserts, so that a send never waits (at most that many groups
	// are in flight, queued or inserting).
	work    chan *group
	workers int // insert goroutines started
	stopped bool
	running sync.WaitGroup // the insert goroutines
}

// group is the rows of one insert, built by one or more pushes.
type group struct {
	ins    *inserter
	opened time.Time
	pushes int
	// spans are the rows of each push, in the order they joined.
	spans []span
	// replaced counts the rows given another time than their record's.
	replaced int64
	done     chan struct{} // closed when the insert returned; err is then set
	err      error
	// errs, when set, are each push's own outcome (the group was refused
	// and its pushes tried alone).
	errs []error
}

// result is the outcome of the group's push i.
func (g *group) result(i int) error {
	if g.errs != nil && i >= 0 && i < len(g.errs) {
		return g.errs[i]
	}
	return g.err
}

func newInsertBatcher(cfg InsertBatchConfig, newGroup func() *group, send func(*group) error) *insertBatcher {
	b := &insertBatcher{cfg: cfg, send: send, newGroup: newGroup, now: time.Now, work: make(chan *group, max(cfg.MaxInserts, 1))}
	b.changed = sync.NewCond(&b.mu)
	return b
}

// errBatcherStopped is the outcome of pushes whose group was still open
// when the exporter shut down.
var errBatcherStopped = errors.New("the exporter shut down before these rows were inserted")

// stoppedGroup is the group a push joins after stop: already failed.
func stoppedGroup() *group {
	g := &group{err: errBatcherStopped, done: make(chan struct{})}
	close(g.done)
	return g
}

// stop ends the insert goroutines once the inserts handed to them are done.
// Call it when no push can come any more (the exporter's shutdown, after
// its queue was drained). Pushes still waiting in a group not sent yet get
// errBatcherStopped rather than waiting for ever.
func (b *insertBatcher) stop() {
	b.mu.Lock()
	if !b.stopped {
		b.stopped = true
		close(b.work)
		if b.timer != nil {
			b.timer.Stop()
		}
		if g := b.open; g != nil {
			b.open = nil
			g.err = errBatcherStopped
			close(g.done)
		}
		b.changed.Broadcast()
	}
	b.mu.Unlock()
	b.running.Wait()
}

// join runs fill on the open group (opening one if needed), under the
// batcher's lock, for a push of records records. It returns the group to
// wait for, or nil when fill added no row (nothing to wait for).
func (b *insertBatcher) join(records int, fill func(*group) int) *group {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A full group takes no more: send it as soon as a slot frees.
	for b.open != nil && b.open.ins.blk.Len() > 0 && (b.open.ins.blk.Len()+records > b.cfg.MaxRows || b.open.ins.blk.Bytes() >= b.cfg.MaxBytes) {
		if !b.startLocked(true) {
			b.changed.Wait()
		}
	}
	if b.stopped { // stop clears the open group and wakes the waits above
		return stoppedGroup()
	}
	if b.open == nil {
		b.open = b.newGroup()
		b.open.opened = b.now()
	}
	g := b.open
	if fill(g) == 0 {
		return nil
	}
	g.pushes++
	b.startLocked(false)
	return g
}

// startLocked sends the open group if it is due (or if force and a slot is
// free) and tells whether it did; otherwise it arms the timer for when the
// group will be due.
func (b *insertBatcher) startLocked(force bool) bool {
	g := b.open
	if g == nil || g.ins.blk.Len() == 0 || b.inFlight >= b.cfg.MaxInserts || b.stopped {
		return false
	}
	now := b.now()
	due := force || g.ins.blk.Len() >= b.cfg.MinRows || g.ins.blk.Bytes() >= b.cfg.MaxBytes || now.Sub(g.opened) >= b.cfg.MaxDelay
	if !due && b.inFlight == 0 {
		next := b.lastStart.Add(b.cfg.MinInterval)
		if !now.Before(next) {
			due = true
		} else {
			b.armLocked(next)
		}
	}
	if !due {
		b.armLocked(g.opened.Add(b.cfg.MaxDelay))
		return false
	}
	b.open = nil
	b.takeSlotLocked(now)
	b.changed.Broadcast()
	if b.workers < b.inFlight {
		b.workers++
		b.running.Go(b.insertLoop)
	}
	b.work <- g // never waits: see work
	return true
}

// insertLoop is an insert goroutine: it inserts the groups handed to it
// until stop.
func (b *insertBatcher) insertLoop() {
	for g := range b.work {
		g.err = b.send(g)
		close(g.done)
		b.ended()
	}
}

// takeSlotLocked counts an insert starting now.
func (b *insertBatcher) takeSlotLocked(now time.Time) {
	b.inFlight++
	b.lastStart = now
}

// ended frees an insert's slot and sends the open group if it is due.
func (b *insertBatcher) ended() {
	b.mu.Lock()
	b.inFlight--
	b.startLocked(false)
	b.changed.Broadcast()
	b.mu.Unlock()
}

// armLocked makes sure the timer fires by at.
func (b *insertBatcher) armLocked(at time.Time) {
	if !b.timerAt.IsZero() && !b.timerAt.After(at) {
		return
	}
	b.timerAt = at
	d := at.Sub(b.now())
	if b.timer == nil {
		b.timer = time.AfterFunc(d, b.tick)
		return
	}
	b.timer.Reset(d)
}

func (b *insertBatcher) tick() {
	b.mu.Lock()
	b.timerAt = time.Time{}
	b.startLocked(false)
	b.mu.Unlock()
}
