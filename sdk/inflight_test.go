package aires

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// heldServer is a fake collector whose acknowledgements wait until release
// is closed, as the Aires collector's wait for an insert: it records how
// many calls were waiting at once.
type heldServer struct {
	*fakeServer
	release chan struct{}
	waiting atomic.Int32
	mu      sync.Mutex
	most    int32
}

func startHeldServer(t *testing.T) *heldServer {
	h := &heldServer{release: make(chan struct{})}
	h.fakeServer = startServer(t, func(int, *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		n := h.waiting.Add(1)
		h.mu.Lock()
		h.most = max(h.most, n)
		h.mu.Unlock()
		<-h.release
		h.waiting.Add(-1)
		return nil, nil
	})
	return h
}

func (h *heldServer) mostAtOnce() int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.most
}

// waitFor polls cond until it holds, for at most ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Full batches go out while earlier ones wait for their acknowledgement, up
// to MaxConcurrentRequests at once and no more; Flush returns once every one of them
// is acknowledged.
func TestBatchesInFlight(t *testing.T) {
	for _, tc := range []struct {
		name        string
		maxInFlight int
		want        int32
	}{
		{"default", 0, DefaultMaxConcurrentRequests},
		{"one at a time", 1, 1},
		{"three", 3, 3},
		{"four", 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startHeldServer(t)
			const batch, batches = 10, 8 // more full batches than may be in flight
			c := newTestClient(t, Config{Endpoint: srv.addr, BatchSize: batch, MaxConcurrentRequests: tc.maxInFlight})
			for range batch * batches {
				c.Info("held")
			}
			waitFor(t, "the batches in flight", func() bool { return srv.waiting.Load() >= tc.want })
			// The worker cannot send more: give it time to try.
			time.Sleep(50 * time.Millisecond)
			if got := srv.waiting.Load(); got != tc.want {
				t.Fatalf("%d batches in flight, want %d", got, tc.want)
			}

			flushed := make(chan error, 1)
			go func() { flushed <- c.Flush(context.Background()) }()
			select {
			case err := <-flushed:
				t.Fatalf("Flush returned (%v) while batches were unacknowledged", err)
			case <-time.After(50 * time.Millisecond):
			}
			close(srv.release)
			if err := <-flushed; err != nil {
				t.Fatal(err)
			}
			if st := c.Stats(); st.Sent != batch*batches || st.Failed != 0 || st.Dropped != 0 {
				t.Fatalf("stats %+v, want %d sent", st, batch*batches)
			}
			if got := len(srv.events()); got != batch*batches {
				t.Fatalf("server stored %d events, want %d", got, batch*batches)
			}
			if most := srv.mostAtOnce(); most != tc.want {
				t.Fatalf("at most %d calls at once, want %d", most, tc.want)
			}
		})
	}
}

// overlapExporter counts the Export calls running at once.
type overlapExporter struct {
	running, most atomic.Int32
	events        atomic.Int64
}

func (e *overlapExporter) Export(_ context.Context, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	n := e.running.Add(1)
	defer e.running.Add(-1)
	for m := e.most.Load(); n > m && !e.most.CompareAndSwap(m, n); m = e.most.Load() {
	}
	time.Sleep(2 * time.Millisecond)
	e.events.Add(int64(len(b.Events)))
	return &airesv1.IngestResponse{Accepted: uint64(len(b.Events))}, nil
}

func (*overlapExporter) Close() error { return nil }

// A custom Exporter written for one call at a time keeps getting one call
// at a time, unless MaxConcurrentRequests asks for more.
func TestCustomExporterOneBatchAtATime(t *testing.T) {
	for _, tc := range []struct {
		maxInFlight int
		want        int32
	}{{0, 1}, {2, 2}} {
		exp := &overlapExporter{}
		c := newTestClient(t, Config{Exporter: exp, BatchSize: 5, MaxConcurrentRequests: tc.maxInFlight})
		for range 200 {
			c.Info("x")
		}
		flush(t, c)
		if got := exp.events.Load(); got != 200 {
			t.Fatalf("MaxConcurrentRequests %d: exported %d events, want 200", tc.maxInFlight, got)
		}
		if most := exp.most.Load(); most != tc.want {
			t.Fatalf("MaxConcurrentRequests %d: at most %d Export calls at once, want %d", tc.maxInFlight, most, tc.want)
		}
	}
}

// Shutdown's deadline ends the batches in flight: they count as failed and
// Shutdown returns.
func TestShutdownDeadlineEndsBatchesInFlight(t *testing.T) {
	srv := startHeldServer(t)
	defer close(srv.release)
	c, err := New(Config{Endpoint: srv.addr, BatchSize: 10, MaxConcurrentRequests: 3, FlushInterval: time.Hour, IdleDelay: -1, MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for range 30 {
		c.Info("held")
	}
	waitFor(t, "three batches in flight", func() bool { return srv.waiting.Load() == 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want the deadline", err)
	}
	waitFor(t, "the batches to fail", func() bool { return c.Stats().Failed == 30 })
	if st := c.Stats(); st.Sent != 0 || st.Enqueued != 30 {
		t.Fatalf("stats %+v, want 30 enqueued and failed", st)
	}
}
