package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
)

// A collector killed with SIGKILL under load, in each acknowledgement mode,
// with the exporter's default batching (wait_for_result: batches sized for
// it). SDK clients send events; a gRPC interceptor on their connection records
// the ids of every event the collector acknowledged (an OK answer, nothing
// rejected), which is what the SDK counts in Stats.Sent. After the kill the
// ids in ClickHouse are compared with them:
//
//   - wait_for_result: the receiver answers after the insert, so every
//     acknowledged event is stored: asserted;
//   - memory (the in-memory sending queue): the queue and the batch being
//     built die with the process; how many acknowledged events are lost is
//     measured and logged, not asserted;
//   - persistent (file_storage): the collector is started again on the same
//     directory and drains its queue; lost and duplicated events are logged.
func TestCollectorKilledUnderLoad(t *testing.T) {
	for _, mode := range []struct {
		name    string
		edit    func(s *collectorSettings, storage string)
		durable bool // promises that nothing acknowledged is lost
		restart bool // start the collector again on the same storage
	}{
		// Batches sized to what the clients keep in flight (4 x 256 events,
		// 200 ms), as the exporter's README advises for this mode: the
		// default 40,000 / 500 ms would hold each request half a second
		// and keep the load far below the others'.
		{name: "wait_for_result", durable: true, edit: func(s *collectorSettings, _ string) {
			s.WaitForResult, s.ExporterBatching = true, false
		}},
		{name: "memory", edit: func(*collectorSettings, string) {}},
		{name: "persistent", restart: true, edit: func(s *collectorSettings, storage string) { s.StorageDir = storage }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			storage := t.TempDir()
			e := newEnv(t, func(s *collectorSettings) {
				s.ExporterBatching = true // what the default config runs
				mode.edit(s, storage)
			})
			acked := newAckLog()
			load := startLoad(t, e.col.airesTarget(), acked)

			// Kill once the pipeline has stored some events and more are in
			// flight, then keep the load on briefly: the clients see the
			// collector die.
			started := time.Now()
			waitAtLeast(t, e.db, 1, 60*time.Second)
			time.Sleep(time.Until(started.Add(3 * time.Second)))
			e.col.proc.Kill()
			time.Sleep(300 * time.Millisecond)
			sent := load.stop()

			if mode.restart {
				restarted := startCollector(t, collectorBinary(t), e.col.collectorSettings)
				waitStable(t, e.db, 5*time.Second, 90*time.Second)
				restarted.alive(t)
			} else {
				waitStable(t, e.db, 2*time.Second, 30*time.Second)
			}
			lost, rows, unique := compareStored(t, e.db, acked)
			t.Logf("%s: SDK Stats.Sent %d (acknowledged ids %d), stored %d rows (%d ids), acknowledged and lost %d, duplicates %d",
				mode.name, sent, acked.len(), rows, unique, lost, rows-unique)
			require.Equal(t, sent, uint64(acked.len()), "the interceptor saw what the SDK counted as sent")
			require.Positive(t, sent, "the collector acknowledged nothing before the kill")
			if mode.durable {
				assert.Zero(t, lost, "%s acknowledged events that are not stored", mode.name)
			}
		})
	}
}

// ackLog records the ids of acknowledged events.
type ackLog struct {
	mu  sync.Mutex
	ids map[string]bool
}

func newAckLog() *ackLog { return &ackLog{ids: map[string]bool{}} }

func (a *ackLog) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ids)
}

func (a *ackLog) all() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids
}

// interceptor records the events of every Ingest the collector answered OK
// with nothing rejected; a partial rejection would need the reasons'
// indexes, and the test's events are all valid.
func (a *ackLog) interceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	resp, okResp := reply.(*airesv1.IngestResponse)
	if err != nil || !okResp || resp.GetRejected() != 0 {
		return err
	}
	b, decodeErr := requestBatch(req)
	if decodeErr != nil {
		return decodeErr
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ev := range b.Events {
		a.ids[uuidText(ev.Id)] = true
	}
	return nil
}

// requestBatch reads the batch of an Ingest request: the generated message,
// or the bytes the SDK's fast path encoded itself (a []byte type of its own).
func requestBatch(req any) (*airesv1.EventBatch, error) {
	if b, ok := req.(*airesv1.EventBatch); ok {
		return b, nil
	}
	v := reflect.ValueOf(req)
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.Uint8 {
		return nil, fmt.Errorf("ack log: unexpected Ingest request type %T", req)
	}
	b := new(airesv1.EventBatch)
	if err := proto.Unmarshal(v.Bytes(), b); err != nil {
		return nil, fmt.Errorf("ack log: decode the request: %w", err)
	}
	return b, nil
}

func uuidText(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// load is SDK clients sending events at a steady pace.
type load struct {
	clients []*aires.Client
	stopped atomic.Bool // the producers stop
	shut    atomic.Bool // the clients are shut down
	wg      sync.WaitGroup
}

// startLoad starts 4 SDK clients sending about 10,000 events/s in total.
func startLoad(t *testing.T, endpoint string, acked *ackLog) *load {
	t.Helper()
	return startLoadWith(t, aires.Config{Endpoint: endpoint, Service: "kill-test", MaxRetries: 1}, acked.interceptor)
}

// startLoadWith is startLoad with 4 clients of cfg, their calls going
// through intercept, and their warnings discarded.
func startLoadWith(t *testing.T, cfg aires.Config, intercept grpc.UnaryClientInterceptor) *load {
	t.Helper()
	l := &load{}
	cfg.DialOptions = append(cfg.DialOptions, grpc.WithUnaryInterceptor(intercept))
	cfg.Logger = slog.New(slog.DiscardHandler)
	for range 4 {
		c, err := aires.New(cfg)
		require.NoError(t, err)
		l.clients = append(l.clients, c)
	}
	for i, c := range l.clients {
		l.wg.Go(func() {
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for n := 0; !l.stopped.Load(); n++ {
				for range 25 { // 25 per 10 ms per client
					c.Info("order placed", aires.Int("client", i), aires.Int("seq", n))
				}
				<-tick.C
			}
		})
	}
	t.Cleanup(func() { l.stop() })
	return l
}

// stop ends the load, shuts the clients down (what they still hold fails:
// the collector is gone) and returns the events they counted as sent.
func (l *load) stop() uint64 {
	if l.shut.Swap(true) {
		return 0
	}
	l.stopped.Store(true)
	l.wg.Wait()
	var sent uint64
	for _, c := range l.clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.Shutdown(ctx)
		cancel()
		sent += c.Stats().Sent
	}
	return sent
}

// drain stops the producers and waits until every client has sent, or
// given up, all it holds: stop then shuts down clients with nothing left.
func (l *load) drain(t *testing.T, timeout time.Duration) {
	t.Helper()
	l.stopped.Store(true)
	l.wg.Wait()
	for _, c := range l.clients {
		require.NoError(t, c.Flush(ctxTimeout(t, timeout)), "a client still held events after %v", timeout)
	}
}

// unsent sums the clients' events that were given up (Stats.Failed) and
// those dropped from a full queue (Stats.Dropped).
func (l *load) unsent() (failed, dropped uint64) {
	for _, c := range l.clients {
		st := c.Stats()
		failed, dropped = failed+st.Failed, dropped+st.Dropped
	}
	return failed, dropped
}

func waitAtLeast(t *testing.T, db *sql.DB, want uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var n uint64
		if err := db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n); err == nil && n >= want {
			return
		}
		require.True(t, time.Now().Before(deadline), "fewer than %d rows after %v", want, timeout)
		time.Sleep(100 * time.Millisecond)
	}
}

// waitStable waits until the row count has not changed for quiet.
func waitStable(t *testing.T, db *sql.DB, quiet, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last, since := uint64(0), time.Now()
	for time.Now().Before(deadline) {
		var n uint64
		require.NoError(t, db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n))
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the row count still changed after %v (%d rows)", timeout, last)
}

// compareStored counts the acknowledged events missing from the table, and
// the table's rows and distinct ids (rows - unique are duplicates).
func compareStored(t *testing.T, db *sql.DB, acked *ackLog) (lost int, rows, unique uint64) {
	t.Helper()
	stored := storedIDs(t, db)
	for id := range acked.all() {
		if !stored[id] {
			lost++
		}
	}
	require.NoError(t, db.QueryRow(`SELECT count(), uniqExact(id) FROM aires_e2e.events`).Scan(&rows, &unique))
	return lost, rows, unique
}

func storedIDs(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT toString(id) FROM aires_e2e.events`)
	require.NoError(t, err)
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids[id] = true
	}
	require.NoError(t, rows.Err())
	return ids
}
