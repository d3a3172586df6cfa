package airesclickhouseexporter

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/schema"
)

// cutMode is where cutProxy breaks the next INSERT's connection.
type cutMode int32

const (
	pass cutMode = iota
	// cutReply: the client's rows reach the server, the server's answer
	// does not reach the client (the rows are stored, the client sees a
	// broken connection).
	cutReply
	// cutData: the connection breaks while the client sends its rows (the
	// server stores nothing).
	cutData
)

func (m cutMode) String() string { return [...]string{"pass", "reply cut", "data cut"}[m] }

// cutProxy relays the native protocol between the exporter and ClickHouse
// and, once armed, breaks the connection at one point of the next INSERT
// carrying more than cutAfter bytes. The break is what a network failure or
// a server killed at that moment does to the client.
type cutProxy struct {
	ln       net.Listener
	target   string
	cutAfter int64
	mode     atomic.Int32
	sent     atomic.Int64 // client bytes since armed
	cuts     atomic.Int32
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cutProxy{ln: ln, target: target, cutAfter: 64 << 10}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c)
		}
	}()
	return p
}

func (p *cutProxy) endpoint() string { return "tcp://" + p.ln.Addr().String() }

func (p *cutProxy) arm(m cutMode) {
	p.sent.Store(0)
	p.mode.Store(int32(m))
}

func (p *cutProxy) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	var once sync.Once
	cut := func() {
		once.Do(func() {
			p.mode.Store(int32(pass))
			p.cuts.Add(1)
		})
		_ = client.Close()
		_ = server.Close()
	}
	// Client to server: in cutData mode, the bytes past cutAfter are
	// not forwarded.
	go pipe(server, client, cut, func(n int) int {
		total := p.sent.Add(int64(n))
		if cutMode(p.mode.Load()) == cutData && total > p.cutAfter {
			return max(0, n-int(total-p.cutAfter))
		}
		return n
	})
	// Server to client: in cutReply mode, nothing the server answers
	// after the rows were sent is forwarded.
	pipe(client, server, cut, func(n int) int {
		if cutMode(p.mode.Load()) == cutReply && p.sent.Load() > p.cutAfter {
			return -1
		}
		return n
	})
}

// pipe copies src to dst. forward says how many bytes of each chunk to
// forward: fewer than the chunk (or -1 for none) breaks the connection
// after them, through cut.
func pipe(dst, src net.Conn, cut func(), forward func(n int) int) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			keep := forward(n)
			if keep > 0 {
				if _, werr := dst.Write(buf[:keep]); werr != nil {
					keep = -1
				}
			}
			if keep < n {
				cut()
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}

// manyLogs is n records of two services over a few seconds, with distinct
// ids (distinct bodies and times).
func manyLogs(n int, base time.Time) plog.Logs {
	ld := plog.NewLogs()
	for s, service := range []string{"checkout", "search"} {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", service)
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := s; i < n; i += 2 {
			lr := lrs.AppendEmpty()
			lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * time.Millisecond)))
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			lr.Body().SetStr(fmt.Sprintf("request %d served with a body long enough to make the batch weigh something", i))
		}
	}
	return ld
}

// TestInsertCutMidWayLeavesNoDuplicate breaks the connection of an INSERT
// on the real server, once after its rows were stored and once before, then
// sends the batch again as the exporter's retry does: the table holds every
// row once.
func TestInsertCutMidWayLeavesNoDuplicate(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	for i, tt := range []struct {
		mode       cutMode
		storedByIt uint64 // rows the failed insert stored
	}{
		{cutReply, 3000},
		{cutData, 0},
	} {
		t.Run(fmt.Sprint(tt.mode), func(t *testing.T) {
			proxy := startCutProxy(t, srv.TCPAddr())
			database := fmt.Sprintf("cut_%d", i)
			e := rawExporter(t, testConfig(proxy.endpoint(), func(c *Config) {
				c.Database = database
				c.Compression = "none"
			}))
			ld := manyLogs(3000, time.Now().Add(-time.Hour).Truncate(time.Second))
			ctx := context.Background()

			proxy.arm(tt.mode)
			err := e.pushLogs(ctx, copyLogs(ld))
			require.Error(t, err, "the proxy broke the insert: it must fail")
			require.Equal(t, int32(1), proxy.cuts.Load())
			rows := "SELECT count() FROM " + database + ".events"
			require.Eventually(t, func() bool { return count(t, db, rows) == tt.storedByIt }, 10*time.Second, 50*time.Millisecond,
				"the broken insert stored %d rows, want %d", count(t, db, rows), tt.storedByIt)
			require.True(t, e.doubts.open(), "the insert must be in doubt")

			require.Eventually(t, func() bool { return e.pushLogs(ctx, copyLogs(ld)) == nil }, 20*time.Second, 100*time.Millisecond)
			assert.Equal(t, uint64(3000), count(t, db, rows))
			assert.Equal(t, uint64(3000), count(t, db, "SELECT uniqExact(id) FROM "+database+".events"))
			assert.False(t, e.doubts.open(), "every row of the doubt went through: it must be retired")
		})
	}
}

// memStorage is a storage.Client in memory: the storage extension's
// contract (a map that outlives the exporter) without files.
type memStorage struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemStorage() *memStorage { return &memStorage{m: map[string][]byte{}} }

func (s *memStorage) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *memStorage) Set(_ context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), v...)
	return nil
}

func (s *memStorage) Delete(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

func (s *memStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = s.Get(ctx, op.Key)
		case storage.Set:
			_ = s.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = s.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (s *memStorage) Close(context.Context) error { return nil }

func (s *memStorage) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// TestJournalAfterCrash: a collector died after an insert reached the
// server but before it deleted the insert's journal entry. The next
// collector finds the entry and, whatever batches the queue now regroups
// the rows into, stores none of them twice, and stores the rows that were
// not stored.
func TestJournalAfterCrash(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	stored, lost := manyLogs(400, base), manyLogs(400, base.Add(time.Minute))
	inFlight := plog.NewLogs() // the batch in flight at the crash: both
	stored.ResourceLogs().CopyTo(inFlight.ResourceLogs())
	lost.ResourceLogs().MoveAndAppendTo(inFlight.ResourceLogs())
	lost = manyLogs(400, base.Add(time.Minute))

	mem := newMemStorage()
	cfg := testConfig(srv.Endpoint(), func(c *Config) { c.Database = "journal" })
	first := rawExporter(t, cfg, func(e *logsExporter) { require.NoError(t, e.useJournal(ctx, mem)) })
	// The in-flight batch's entry, as the dying collector wrote it; of its
	// rows, only the first half reached the table.
	ins := newInserter()
	first.fill(&group{ins: ins}, inFlight)
	_, err := first.doubts.journal.put(ctx, &ins.rows)
	require.NoError(t, err)
	require.NoError(t, first.pushLogs(ctx, copyLogs(stored)))
	require.Equal(t, 2, mem.len(), "the in-flight entry, and the successful insert's, kept a while")
	rows := "SELECT count() FROM journal.events"
	require.Equal(t, uint64(400), count(t, db, rows))

	second := rawExporter(t, cfg, func(e *logsExporter) { require.NoError(t, e.useJournal(ctx, mem)) })
	require.True(t, second.doubts.open())
	// The queue delivers the rows again, regrouped: half of the stored ones
	// with half of the others, then the rest.
	a, b := splitLogs(stored), splitLogs(lost)
	a[0].ResourceLogs().MoveAndAppendTo(b[0].ResourceLogs())
	a[1].ResourceLogs().MoveAndAppendTo(b[1].ResourceLogs())
	require.NoError(t, second.pushLogs(ctx, b[0]))
	require.NoError(t, second.pushLogs(ctx, b[1]))
	assert.Equal(t, uint64(800), count(t, db, rows))
	assert.Equal(t, uint64(800), count(t, db, "SELECT uniqExact(id) FROM journal.events"))
	assert.False(t, second.doubts.open(), "all the doubt's rows went through: retired")
	assert.Equal(t, len(second.doubts.journal.recent), mem.len(), "the retired doubts' entries are deleted; the recent successes' stay a while")
}

// splitLogs splits ld into two, by resource.
func splitLogs(ld plog.Logs) [2]plog.Logs {
	out := [2]plog.Logs{plog.NewLogs(), plog.NewLogs()}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rls.At(i).CopyTo(out[i%2].ResourceLogs().AppendEmpty())
	}
	return out
}

func TestJournalEntryRoundTrip(t *testing.T) {
	b := &batchRows{}
	b.reset()
	b.queryID = "q-1"
	b.add([16]byte{1}, 1700000000e9, "checkout")
	b.add([16]byte{2}, 1700000005e9, "search")
	b.add([16]byte{3}, 1700000003e9, "checkout")
	d, err := decodeDoubt(encodeBatchRows(b))
	require.NoError(t, err)
	assert.Equal(t, "q-1", d.queryID)
	assert.Equal(t, [][16]byte{{1}, {2}, {3}}, d.ids)
	assert.Equal(t, []string{"checkout", "search"}, d.services)
	assert.Equal(t, [2]int64{1700000000, 1700000005}, [2]int64{d.minTs, d.maxTs})
	for _, bad := range [][]byte{nil, {9}, encodeBatchRows(b)[:20]} {
		_, err := decodeDoubt(bad)
		assert.Error(t, err, "%x", bad)
	}
}

// TestDoubtsBounded: beyond maxDoubts open doubts, the oldest is given up
// (its journal entry deleted), so doubts whose rows never come back cannot
// pile up.
func TestDoubtsBounded(t *testing.T) {
	ctx := context.Background()
	mem := newMemStorage()
	d := newDoubts(schema.Schema{Table: schema.Table{Database: "aires", Name: "events"}}, zap.NewNop())
	d.journal = &journal{client: mem, logger: zap.NewNop()}
	for i := range maxDoubts + 3 {
		b := &batchRows{}
		b.reset()
		b.add([16]byte{byte(i), byte(i >> 8)}, 1700000000e9, "checkout")
		slot, err := d.journal.put(ctx, b)
		require.NoError(t, err)
		b.journalSlot = slot
		d.add(b)
	}
	assert.Len(t, d.all, maxDoubts)
	assert.Len(t, d.pending, maxDoubts)
	assert.Equal(t, maxDoubts, mem.len())
	assert.Equal(t, [16]byte{3}, d.all[0].ids[0], "the three oldest are given up")
}

// TestClickHouseKilledUnderInsertsLeavesNoDuplicate: the server is killed
// (SIGKILL) three times while batches go in. The exporter retries each
// batch itself once its rows are taken (retry_on_failure), resolving the
// inserts in doubt before it sends again; a push refused before its rows
// were taken is pushed again, as exporterhelper does. Every row is stored
// once, and no push fails after its request was taken.
func TestClickHouseKilledUnderInsertsLeavesNoDuplicate(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint(), func(c *Config) {
		c.Database = "killed"
		c.TimeoutConfig.Timeout = 5 * time.Second
		c.BackOffConfig.Enabled = true
		c.BackOffConfig.InitialInterval = 100 * time.Millisecond
		c.BackOffConfig.MaxInterval = time.Second
		c.BackOffConfig.MaxElapsedTime = 2 * time.Minute
	}))
	const batches, rows = 30, 3000
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	var failed, lost atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k := range batches {
			ld := manyLogs(rows, base.Add(time.Duration(k)*time.Minute))
			for e.pushLogs(context.Background(), ld) != nil {
				if taken(ld) {
					lost.Add(1) // failed after its rows were taken: nothing can send them again
					break
				}
				failed.Add(1)
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	db := srv.DB(t)
	for kill := 1; kill <= 3; kill++ {
		require.Eventually(t, func() bool {
			var n uint64
			return db.QueryRow("SELECT count() FROM killed.events").Scan(&n) == nil && n >= uint64(kill*8*rows)
		}, 2*time.Minute, 20*time.Millisecond)
		pid, err := os.ReadFile(filepath.Join(srv.Dir, "server.pid"))
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(string(pid)))
		require.NoError(t, err)
		require.NoError(t, syscall.Kill(n, syscall.SIGKILL))
		require.Eventually(t, func() bool { return syscall.Kill(n, 0) != nil }, 10*time.Second, 10*time.Millisecond)
		require.NoError(t, srv.Restart())
	}
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("the batches did not all go in within 3 minutes of the last restart")
	}
	db = srv.DB(t)
	stored, unique := count(t, db, "SELECT count() FROM killed.events"), count(t, db, "SELECT uniqExact(id) FROM killed.events")
	t.Logf("%d batches of %d rows, 3 kills, %d pushes refused before their rows were taken: %d rows stored, %d duplicates", batches, rows, failed.Load(), stored, stored-unique)
	assert.Zero(t, lost.Load(), "pushes failed after their rows were taken")
	assert.Equal(t, uint64(batches*rows), unique)
	assert.Equal(t, unique, stored, "duplicate rows")
}
