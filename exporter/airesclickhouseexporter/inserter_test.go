package airesclickhouseexporter

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/chtest"
)

// pushEvents is n events of one service, messages prefixed with tag.
func pushEvents(tag string, n int) plog.Logs {
	evs := make([]event, n)
	base := time.Now().Add(-time.Minute)
	for i := range evs {
		evs[i] = event{ts: base.Add(time.Duration(i) * time.Millisecond), service: tag, severity: plog.SeverityNumberInfo,
			route: "/r/" + tag, status: 200, duration: float64(i)}
	}
	return logsOf(evs...)
}

// Consecutive pushes reuse one inserter (its block keeps its capacity, and
// small blocks go through its kept batch), and each lands whole, with its
// own rows only: nothing of an earlier push is sent again.
func TestInserterReusesBlock(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))
	ctx := context.Background()

	sizes := []int{500, 20, 300, 1}
	var first *inserter
	for i, n := range sizes {
		require.NoError(t, e.pushLogs(ctx, pushEvents(fmt.Sprint("svc", i), n)))
		ins := e.inserters.get()
		require.NotNil(t, ins.small.batch, "the inserter dropped its batch after push %d", i)
		if first == nil {
			first = ins
		} else {
			assert.Same(t, first, ins, "push %d did not reuse the inserter", i)
		}
		e.inserters.put(ins)
	}
	db := srv.DB(t)
	for i, n := range sizes {
		svc := fmt.Sprint("svc", i)
		assert.Equal(t, uint64(n), count(t, db, "SELECT count() FROM aires.events WHERE service = ?", svc), svc)
		assert.Equal(t, uint64(n), count(t, db, "SELECT uniqExact(message) FROM aires.events WHERE service = ? AND http_route = ?", svc, "/r/"+svc), svc)
	}
	assert.Equal(t, uint64(821), count(t, db, "SELECT count() FROM aires.events"))
}

// Each push obeys its own context: the first push's context has expired by
// the second.
func TestInserterFollowsEachPushContext(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))

	short, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	require.NoError(t, e.pushLogs(short, pushEvents("a", 10)))
	cancel()
	require.NoError(t, e.pushLogs(context.Background(), pushEvents("b", 10)), "the second push failed on the first push's (cancelled) context")

	// A push whose context is already cancelled fails, retryably, and sends
	// nothing; the next one goes through.
	dead, cancelDead := context.WithCancel(context.Background())
	cancelDead()
	err := e.pushLogs(dead, pushEvents("c", 10))
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "a cancelled push must stay retryable, got %v", err)
	require.NoError(t, e.pushLogs(context.Background(), pushEvents("d", 10)))

	db := srv.DB(t)
	for svc, want := range map[string]uint64{"a": 10, "b": 10, "c": 0, "d": 10} {
		assert.Equal(t, want, count(t, db, "SELECT count() FROM aires.events WHERE service = ?", svc), svc)
	}
}

// After ClickHouse restarts, the pooled connection the batch used is dead:
// the push fails retryably, the batch is replaced, and later pushes land.
func TestInserterSurvivesServerRestart(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))
	ctx := context.Background()
	require.NoError(t, e.pushLogs(ctx, pushEvents("before", 50)))

	require.NoError(t, srv.Stop())
	require.NoError(t, srv.Restart())
	require.Eventually(t, func() bool {
		return e.pushLogs(ctx, pushEvents("after", 50)) == nil
	}, 20*time.Second, 200*time.Millisecond)
	require.NoError(t, e.pushLogs(ctx, pushEvents("later", 50)))

	db := srv.DB(t)
	assert.Equal(t, uint64(50), count(t, db, "SELECT count() FROM aires.events WHERE service = 'before'"))
	assert.Equal(t, uint64(50), count(t, db, "SELECT count() FROM aires.events WHERE service = 'later'"))
	// Failed attempts may or may not have reached the server before the
	// error; at least the successful one did.
	assert.GreaterOrEqual(t, count(t, db, "SELECT count() FROM aires.events WHERE service = 'after'"), uint64(50))
}

// blockSizes is a driver connection whose batches note the rows of every
// block they send (Flush, Send).
type blockSizes struct {
	driver.Conn
	mu   sync.Mutex
	rows []int
}

func (c *blockSizes) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := c.Conn.PrepareBatch(ctx, query, opts...)
	if err != nil {
		return nil, err
	}
	return &sizedBatch{Batch: b, c: c}, nil
}

type sizedBatch struct {
	driver.Batch
	c *blockSizes
}

func (b *sizedBatch) note() {
	b.c.mu.Lock()
	b.c.rows = append(b.c.rows, b.Rows())
	b.c.mu.Unlock()
}

func (b *sizedBatch) Flush() error { b.note(); return b.Batch.Flush() }
func (b *sizedBatch) Send() error  { b.note(); return b.Batch.Send() }

// A large batch goes as one INSERT of several blocks of at most blockRows
// rows: the driver's columns only ever hold one block (Flush empties them),
// and the server stores the INSERT as one part.
func TestInsertSendsInBlocks(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))
	ctx := context.Background()
	db := srv.DB(t)
	require.NoError(t, e.pushLogs(ctx, pushEvents("warm", 10))) // schema, connection
	parts := func() uint64 {
		return count(t, db, "SELECT count() FROM system.parts WHERE database = 'aires' AND table = 'events' AND active")
	}
	const n = 30_000
	ins := newInserter()
	e.fill(&group{ins: ins}, benchLogs(n))
	step := blockRows(ins.blk)
	require.Greater(t, ins.blk.Bytes(), reuseMaxBytes, "the test needs a large block")
	require.Greater(t, n/step, 3, "the test needs a batch of several blocks")

	before := parts()
	conn := &blockSizes{Conn: e.connection()}
	sent, err := ins.insert(ctx, conn, e.table, e.omittable(ctx, conn))
	require.NoError(t, err)
	assert.True(t, sent)
	total := 0
	for _, r := range conn.rows {
		assert.LessOrEqual(t, r, step)
		total += r
	}
	assert.Equal(t, n, total)
	assert.Len(t, conn.rows, (n+step-1)/step, "blocks of %d rows: %v", step, conn.rows)
	assert.Equal(t, before+1, parts(), "the %d blocks of one INSERT were not stored as one part", len(conn.rows))
	assert.Equal(t, uint64(n), count(t, db, "SELECT count() FROM aires.events WHERE service = 'checkout'"))
}

// A small block goes through the inserter's kept batch, whose columns keep
// their capacity. Side by side in one process: pushes through the
// exporter's inserters against pushes that each take a new inserter (fresh
// block and columns).
func TestInsertReusesMemory(t *testing.T) {
	srv := chtest.Start(t)
	e := rawExporter(t, testConfig(srv.Endpoint()))
	ctx := context.Background()
	const n, pushes = 5000, 5
	bytesPerRow := func(push func() error) float64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range pushes {
			require.NoError(t, push())
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / (pushes * n)
	}
	// The logs are built outside the measure: each push takes its own.
	logs := make(chan plog.Logs, 2*pushes+3)
	for range cap(logs) {
		logs <- benchLogs(n)
	}
	reused := func() error { return e.pushLogs(ctx, <-logs) }
	fresh := func() error {
		ins := newInserter()
		defer ins.small.discard()
		e.fill(&group{ins: ins}, <-logs)
		require.LessOrEqual(t, ins.blk.Bytes(), reuseMaxBytes, "the test needs a small block")
		_, err := ins.insert(ctx, e.connection(), e.table, e.omittable(ctx, e.connection()))
		return err
	}
	for range 3 { // warm up: columns, connection buffers
		require.NoError(t, reused())
	}
	warm, cold := bytesPerRow(reused), bytesPerRow(fresh)
	t.Logf("bytes allocated per row: %.0f reused, %.0f with a new inserter per push", warm, cold)
	assert.Less(t, warm, cold/4, "the insert path allocates %.0f bytes per row against %.0f without reuse: are columns still reused?", warm, cold)
}

// An INSERT leaves out the columns every row of its batch holds the zero
// value in, where the server fills in that same value: the stored rows are
// the same. A column with a default expression of its own is always named
// (its rows keep the empty value they have), and the inserter's kept batch
// follows the columns from one INSERT to the next.
func TestInsertLeavesOutZeroColumns(t *testing.T) {
	srv := chtest.Start(t)
	cfg := testConfig(srv.Endpoint())
	ctx := context.Background()
	db := srv.DB(t)
	warm := rawExporter(t, cfg)
	require.NoError(t, warm.pushLogs(ctx, pushEvents("warm", 1))) // the schema
	// A default of the user's own on a column the events leave empty.
	_, err := db.Exec("ALTER TABLE aires.events MODIFY COLUMN error_type String DEFAULT 'unknown'")
	require.NoError(t, err)
	e := rawExporter(t, cfg) // reads the columns' defaults at start

	named := func(ins *inserter) map[string]bool {
		out := map[string]bool{}
		for _, c := range columnNames(ins.cols.sql) {
			out[c] = true
		}
		return out
	}
	ins := newInserter()
	e.fill(&group{ins: ins}, logsOf(event{ts: time.Now(), service: "bare", severity: plog.SeverityNumberWarn}))
	_, err = ins.insert(ctx, e.connection(), e.table, e.omittable(ctx, e.connection()))
	require.NoError(t, err)
	cols := named(ins)
	for _, c := range []string{"id", "timestamp_ns", "service", "severity", "message", "error_type"} {
		assert.True(t, cols[c], "the INSERT left out %s: %s", c, ins.cols.sql)
	}
	for _, c := range []string{"http_method", "http_status", "http_duration_ms", "error_stack", "tags", "attr_int_keys", "attr_int_values"} {
		assert.False(t, cols[c], "the INSERT named %s: %s", c, ins.cols.sql)
	}

	// Through the exporter's inserters: alternating shapes, small blocks
	// (the kept batch) and one large one (blocks of one INSERT).
	for i, ld := range []plog.Logs{pushEvents("http", 30), logsOf(event{ts: time.Now(), service: "bare", severity: plog.SeverityNumberInfo}), pushEvents("http", 20), benchLogs(30_000)} {
		require.NoError(t, e.pushLogs(ctx, ld), "push %d", i)
	}
	assert.Equal(t, uint64(2), count(t, db, "SELECT count() FROM aires.events WHERE service = 'bare' AND error_type = '' AND http_method = '' AND http_status = 0 AND length(tags) = 0"))
	assert.Equal(t, uint64(50), count(t, db, "SELECT count() FROM aires.events WHERE service = 'http' AND http_method = 'GET' AND http_route = '/r/http' AND http_status = 200 AND error_type = ''"))
	assert.Equal(t, uint64(30_000), count(t, db, "SELECT count() FROM aires.events WHERE service = 'checkout'"))
	assert.Equal(t, uint64(0), count(t, db, "SELECT count() FROM aires.events WHERE error_type = 'unknown'"), "a row took the column's default")

	// A default given while the exporter runs is obeyed once the defaults
	// are read again (defaultsRefresh later).
	_, err = db.Exec("ALTER TABLE aires.events MODIFY COLUMN user_id String DEFAULT 'anonymous'")
	require.NoError(t, err)
	bare := func() plog.Logs {
		return logsOf(event{ts: time.Now(), service: "later", severity: plog.SeverityNumberInfo})
	}
	require.NoError(t, e.pushLogs(ctx, bare()))
	assert.Equal(t, uint64(1), count(t, db, "SELECT count() FROM aires.events WHERE service = 'later' AND user_id = 'anonymous'"),
		"before the defaults are read again, the column is left out")
	e.now = func() time.Time { return time.Now().Add(defaultsRefresh) }
	require.NoError(t, e.pushLogs(ctx, bare()))
	assert.Equal(t, uint64(1), count(t, db, "SELECT count() FROM aires.events WHERE service = 'later' AND user_id = ''"),
		"once read again, the column is named")
}

// columnNames are the names an INSERT statement's column list holds.
func columnNames(sql string) []string {
	open, end := strings.Index(sql, "("), strings.LastIndex(sql, ")")
	if open < 0 || end < open {
		return nil
	}
	return strings.Split(sql[open+1:end], ", ")
}
