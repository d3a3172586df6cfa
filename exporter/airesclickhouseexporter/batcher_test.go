package airesclickhouseexporter

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/row"
)

// fakeInserts records the groups a batcher sends; each insert blocks until
// the test releases it.
type fakeInserts struct {
	mu      sync.Mutex
	sent    []int // rows of each group, in the order sent
	pushes  []int
	at      []time.Time
	started chan struct{}
	release chan error
}

func newFakeInserts() *fakeInserts {
	return &fakeInserts{started: make(chan struct{}, 100), release: make(chan error, 100)}
}

func (f *fakeInserts) send(g *group) error {
	f.mu.Lock()
	f.sent = append(f.sent, g.ins.blk.Len())
	f.pushes = append(f.pushes, g.pushes)
	f.at = append(f.at, time.Now())
	f.mu.Unlock()
	f.started <- struct{}{}
	return <-f.release
}

func (f *fakeInserts) groups() (rows, pushes []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.sent...), append([]int(nil), f.pushes...)
}

func testBatcher(t *testing.T, cfg InsertBatchConfig, f *fakeInserts) *insertBatcher {
	b := newInsertBatcher(cfg, func() *group { return &group{ins: newInserter(), done: make(chan struct{})} }, f.send)
	t.Cleanup(b.stop)
	return b
}

// addRows is a fill that adds n rows.
func addRows(n int) func(*group) int {
	return func(g *group) int {
		var r row.Row
		for range n {
			g.ins.blk.Add(&r)
		}
		return n
	}
}

// joinAsync joins n rows from a goroutine and returns the group's error once
// its insert returned.
func joinAsync(b *insertBatcher, n int) <-chan error {
	out := make(chan error, 1)
	go func() {
		g := b.join(n, addRows(n))
		<-g.done
		out <- g.err
	}()
	return out
}

// waitOpenPushes waits until the open group holds n pushes.
func waitOpenPushes(t *testing.T, b *insertBatcher, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.open != nil && b.open.pushes == n
	}, 10*time.Second, time.Millisecond)
}

var lazyBatches = InsertBatchConfig{MinRows: 1000, MaxRows: 2000, MaxBytes: 1 << 30, MaxDelay: time.Hour, MinInterval: 0, MaxInserts: 1}

// An idle batcher inserts at once; while that insert runs, later pushes
// gather into one group, sent when the insert ends; each push gets its
// group's outcome.
func TestBatcherSendsAtOnceWhenIdleAndGathersWhileBusy(t *testing.T) {
	f := newFakeInserts()
	b := testBatcher(t, lazyBatches, f)

	first := joinAsync(b, 5)
	<-f.started // no timer, no minimum: sent at once
	var later []<-chan error
	for range 3 {
		later = append(later, joinAsync(b, 10))
	}
	waitOpenPushes(t, b, 3)
	f.release <- nil
	require.NoError(t, <-first)
	<-f.started
	boom := errors.New("boom")
	f.release <- boom
	for _, ch := range later {
		assert.ErrorIs(t, <-ch, boom)
	}
	rows, pushes := f.groups()
	assert.Equal(t, []int{5, 30}, rows)
	assert.Equal(t, []int{1, 3}, pushes)
}

// While the only slot is taken, a group that reaches min_rows waits for it;
// one that would pass max_rows takes no more, and the push behind it waits
// for the next group.
func TestBatcherCapsGroups(t *testing.T) {
	f := newFakeInserts()
	b := testBatcher(t, lazyBatches, f)
	first := joinAsync(b, 1)
	<-f.started
	a := joinAsync(b, 1500) // past min_rows: due, but no slot
	waitOpenPushes(t, b, 1)
	c := joinAsync(b, 800) // 2300 > max_rows: waits
	f.release <- nil
	require.NoError(t, <-first)
	<-f.started
	f.release <- nil
	require.NoError(t, <-a)
	<-f.started
	f.release <- nil
	require.NoError(t, <-c)
	rows, _ := f.groups()
	assert.Equal(t, []int{1, 1500, 800}, rows)
}

// With another insert in flight and a slot free, a group is sent at
// min_rows; max_inserts bounds the inserts at once.
func TestBatcherSecondSlotAtMinRows(t *testing.T) {
	f := newFakeInserts()
	cfg := lazyBatches
	cfg.MaxInserts = 2
	b := testBatcher(t, cfg, f)
	first := joinAsync(b, 1)
	<-f.started
	small := joinAsync(b, 10) // below min_rows, another insert running: waits
	waitOpenPushes(t, b, 1)
	big := joinAsync(b, 1000) // now at min_rows: sent in the second slot
	<-f.started
	rows, _ := f.groups()
	assert.Equal(t, []int{1, 1010}, rows)
	f.release <- nil
	f.release <- nil
	require.NoError(t, <-first)
	require.NoError(t, <-small)
	require.NoError(t, <-big)
}

// min_interval spaces out the inserts of an otherwise idle batcher; a group
// waiting for it is sent by the timer.
func TestBatcherMinInterval(t *testing.T) {
	f := newFakeInserts()
	cfg := lazyBatches
	cfg.MinInterval = 150 * time.Millisecond
	b := testBatcher(t, cfg, f)
	f.release <- nil
	f.release <- nil
	require.NoError(t, <-joinAsync(b, 1))
	require.NoError(t, <-joinAsync(b, 1))
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.at, 2)
	assert.GreaterOrEqual(t, f.at[1].Sub(f.at[0]), cfg.MinInterval)
}

// max_delay sends a group while another insert still runs.
func TestBatcherMaxDelay(t *testing.T) {
	f := newFakeInserts()
	cfg := lazyBatches
	cfg.MaxInserts, cfg.MaxDelay = 2, 50*time.Millisecond
	b := testBatcher(t, cfg, f)
	first := joinAsync(b, 1)
	<-f.started
	second := joinAsync(b, 1)
	<-f.started // by the timer: the first insert is still running
	f.release <- nil
	f.release <- nil
	require.NoError(t, <-first)
	require.NoError(t, <-second)
}

// A group that ClickHouse refuses for good is sent again one push at a
// time: a bad request loses nothing of the others.
func TestPermanentErrorIsolatesPushes(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.InsertBatch.MinInterval = 0 }))
	hold := make(chan struct{})
	var calls sync.Mutex
	n := 0
	real := e.attempt
	e.attempt = func(g *group) error {
		calls.Lock()
		n++
		call := n
		calls.Unlock()
		switch {
		case call == 1:
			<-hold // keep the first insert in flight while the others gather
		case g.pushes > 1:
			return consumererror.NewPermanent(errors.New("refused: one of the requests is bad"))
		}
		return real(g)
	}
	ctx := context.Background()
	errs := make(chan error, 3)
	go func() { errs <- e.pushLogs(ctx, pushEvents("a", 5)) }()
	require.Eventually(t, func() bool { calls.Lock(); defer calls.Unlock(); return n == 1 }, 10*time.Second, time.Millisecond)
	go func() { errs <- e.pushLogs(ctx, pushEvents("b", 7)) }()
	go func() { errs <- e.pushLogs(ctx, pushEvents("c", 9)) }()
	waitOpenPushes(t, e.batcher, 2)
	close(hold)
	for range 3 {
		require.NoError(t, <-errs)
	}
	db := srv.DB(t)
	for svc, want := range map[string]uint64{"a": 5, "b": 7, "c": 9} {
		assert.Equal(t, want, count(t, db, "SELECT count() FROM aires.events WHERE service = ?", svc), svc)
	}
	assert.Equal(t, 4, n, "the first insert, the refused group, then b and c alone")
}

// A group that holds max_bytes is due and full, whatever its rows.
func TestBatcherMaxBytes(t *testing.T) {
	f := newFakeInserts()
	cfg := lazyBatches
	cfg.MaxInserts, cfg.MaxBytes = 2, 10
	b := testBatcher(t, cfg, f)
	first := joinAsync(b, 1)
	<-f.started
	bytes := func(n int) func(*group) int { // n rows of one 4-byte message each
		return func(g *group) int {
			r := row.Row{Message: "four"}
			for range n {
				g.ins.blk.Add(&r)
			}
			return n
		}
	}
	out := make(chan error, 2)
	go func() { g := b.join(3, bytes(3)); <-g.done; out <- g.err }() // 12 bytes: due, sent in the free slot
	<-f.started
	f.release <- nil
	f.release <- nil
	require.NoError(t, <-first)
	require.NoError(t, <-out)
	rows, _ := f.groups()
	assert.Equal(t, []int{1, 3}, rows)
}

// goroutineID is the running goroutine's number, from its stack header.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// The inserts run on at most max_inserts goroutines, the same ones insert
// after insert, not on a new goroutine each (whose stack would grow again
// through the driver every time).
func TestBatcherInsertsOnLastingGoroutines(t *testing.T) {
	for _, maxInserts := range []int{1, 2} {
		var mu sync.Mutex
		ids := map[string]int{}
		b := newInsertBatcher(InsertBatchConfig{MinRows: 1, MaxRows: 10, MaxBytes: 1 << 30, MaxDelay: time.Hour, MaxInserts: maxInserts},
			func() *group { return &group{ins: newInserter(), done: make(chan struct{})} },
			func(*group) error {
				mu.Lock()
				ids[goroutineID()]++
				mu.Unlock()
				return nil
			})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 10 {
					g := b.join(1, addRows(1))
					<-g.done
					assert.NoError(t, g.err)
				}
			})
		}
		wg.Wait()
		b.stop()
		inserts := 0
		for _, n := range ids {
			inserts += n
		}
		assert.GreaterOrEqual(t, inserts, 10, "max_inserts %d", maxInserts)
		assert.LessOrEqual(t, len(ids), maxInserts, "max_inserts %d: %d inserts on %d goroutines", maxInserts, inserts, len(ids))
	}
}

// After stop (the exporter's shutdown) nothing waits for ever: a push
// waiting in the open group and a push that comes later both get
// errBatcherStopped, and the insert goroutines have ended.
func TestBatcherStop(t *testing.T) {
	f := newFakeInserts()
	b := newInsertBatcher(lazyBatches, func() *group { return &group{ins: newInserter(), done: make(chan struct{})} }, f.send)
	first := joinAsync(b, 5)
	<-f.started
	waiting := joinAsync(b, 10) // the only slot is taken: stays open
	waitOpenPushes(t, b, 1)
	f.release <- nil
	require.NoError(t, <-first)
	<-f.started // the open group went out when the slot freed
	stopped := make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned while an insert was still running")
	case <-time.After(50 * time.Millisecond):
	}
	f.release <- nil
	require.NoError(t, <-waiting)
	<-stopped
	assert.ErrorIs(t, <-joinAsync(b, 1), errBatcherStopped)

	// A group still open at stop fails its pushes.
	f = newFakeInserts()
	b = newInsertBatcher(lazyBatches, func() *group { return &group{ins: newInserter(), done: make(chan struct{})} }, f.send)
	busy := joinAsync(b, 1)
	<-f.started
	open := joinAsync(b, 1)
	waitOpenPushes(t, b, 1)
	stopped = make(chan struct{})
	go func() { b.stop(); close(stopped) }()
	assert.ErrorIs(t, <-open, errBatcherStopped, "failed at stop, while the insert in flight still runs")
	f.release <- nil
	require.NoError(t, <-busy)
	<-stopped
}
