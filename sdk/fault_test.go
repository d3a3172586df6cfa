package aires

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func retryInfoErr(t testing.TB, code codes.Code, d time.Duration) error {
	st, err := status.New(code, "busy").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
	if err != nil {
		t.Fatal(err)
	}
	return st.Err()
}

func TestUnavailableTwiceThenDeliveredOnce(t *testing.T) {
	srv := startServer(t, func(call int, _ *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		if call < 2 {
			return nil, status.Error(codes.Unavailable, "not yet")
		}
		return nil, nil
	})
	c := newTestClient(t, Config{Endpoint: srv.addr})
	for i := range 10 {
		c.Info("event", Int("i", i))
	}
	flush(t, c)
	if got := len(srv.callTimes()); got != 3 {
		t.Fatalf("calls = %d, want 3 (2 failures + 1 success)", got)
	}
	evs := srv.events()
	if len(evs) != 10 {
		t.Fatalf("stored %d events, want 10", len(evs))
	}
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[string(e.Id)] {
			t.Fatalf("event %x delivered twice", e.Id)
		}
		seen[string(e.Id)] = true
	}
	if st := c.Stats(); st.Sent != 10 || st.Failed != 0 || st.Enqueued != 10 || st.Dropped != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestInvalidArgumentNotRetried(t *testing.T) {
	srv := startServer(t, func(int, *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		return nil, status.Error(codes.InvalidArgument, "bad batch")
	})
	log, buf := testLogger()
	c := newTestClient(t, Config{Endpoint: srv.addr, Logger: log})
	for range 5 {
		c.Info("x")
	}
	flush(t, c)
	if got := len(srv.callTimes()); got != 1 {
		t.Fatalf("calls = %d, want 1 (permanent error, no retry)", got)
	}
	if st := c.Stats(); st.Failed != 5 || st.Sent != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if out := buf.String(); strings.Count(out, "dropped a batch") != 1 || !strings.Contains(out, "bad batch") {
		t.Fatalf("want one warning with the reason, got %q", out)
	}
}

func TestRetryInfoDelayHonoured(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := startServer(t, func(call int, _ *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		if call == 0 {
			return nil, retryInfoErr(t, codes.Unavailable, delay)
		}
		return nil, nil
	})
	c := newTestClient(t, Config{Endpoint: srv.addr, InitialBackoff: time.Millisecond})
	c.Info("x")
	flush(t, c)
	calls := srv.callTimes()
	if len(calls) != 2 {
		t.Fatalf("calls = %d, want 2", len(calls))
	}
	// Generous bounds: the computed backoff would be ~1ms.
	if gap := calls[1].Sub(calls[0]); gap < delay*3/4 || gap > 10*delay {
		t.Fatalf("gap between attempts = %v, want about %v", gap, delay)
	}
}

func TestResourceExhaustedRetriedOnlyWithRetryInfo(t *testing.T) {
	for _, withInfo := range []bool{false, true} {
		srv := startServer(t, func(call int, _ *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
			if call == 0 {
				if withInfo {
					return nil, retryInfoErr(t, codes.ResourceExhausted, time.Millisecond)
				}
				return nil, status.Error(codes.ResourceExhausted, "full")
			}
			return nil, nil
		})
		log, _ := testLogger()
		c := newTestClient(t, Config{Endpoint: srv.addr, Logger: log})
		c.Info("x")
		flush(t, c)
		want := 1
		if withInfo {
			want = 2
		}
		if got := len(srv.callTimes()); got != want {
			t.Fatalf("withRetryInfo=%v: calls = %d, want %d", withInfo, got, want)
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv := startServer(t, func(int, *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		return nil, status.Error(codes.Unavailable, "down")
	})
	log, buf := testLogger()
	c := newTestClient(t, Config{Endpoint: srv.addr, Logger: log})
	c.Info("x")
	flush(t, c)
	if got := len(srv.callTimes()); got != 1+DefaultMaxRetries {
		t.Fatalf("calls = %d, want %d", got, 1+DefaultMaxRetries)
	}
	if st := c.Stats(); st.Failed != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if n := strings.Count(buf.String(), "dropped a batch"); n != 1 {
		t.Fatalf("%d warnings, want 1", n)
	}
}

func TestRejectedEventsCountedFailed(t *testing.T) {
	srv := startServer(t, func(_ int, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		return &airesv1.IngestResponse{
			Accepted:   uint64(len(b.Events) - 2),
			Rejected:   2,
			Rejections: []*airesv1.Rejection{{Index: 1, Reason: "timestamp too old"}, {Index: 3, Reason: "other"}},
		}, nil
	})
	log, buf := testLogger()
	c := newTestClient(t, Config{Endpoint: srv.addr, Logger: log})
	for range 5 {
		c.Info("x")
	}
	flush(t, c)
	if st := c.Stats(); st.Sent != 3 || st.Failed != 2 {
		t.Fatalf("stats = %+v", st)
	}
	out := buf.String()
	if strings.Count(out, "rejected events") != 1 || !strings.Contains(out, "timestamp too old") || strings.Contains(out, "other") {
		t.Fatalf("want one warning with the first reason, got %q", out)
	}
}

func deadAddr(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

func TestServerDownQueueBoundedAndShutdownByDeadline(t *testing.T) {
	log, _ := testLogger()
	c, err := New(Config{
		Endpoint: deadAddr(t), Logger: log, QueueSize: 16, BatchSize: 4,
		FlushInterval: 10 * time.Millisecond, InitialBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const n = 5000
	for i := range n {
		c.Info("x", Int("i", i))
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("%d calls took %v: logging blocked", n, el)
	}
	st := c.Stats()
	if st.Enqueued+st.Dropped != n {
		t.Fatalf("enqueued+dropped = %d, want %d (%+v)", st.Enqueued+st.Dropped, n, st)
	}
	// At most the queue, the batch in the worker's hands and the batches in
	// flight (retrying) were accepted, plus the event the worker holds.
	const bound = 16 + 4 + 4*DefaultMaxConcurrentRequests + 1
	if st.Enqueued > bound || st.Dropped < n-bound {
		t.Fatalf("queue not bounded: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = c.Shutdown(ctx)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Shutdown took %v with a 300ms deadline", el)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	// Logging after shutdown is dropped, not blocked, not a panic.
	c.Info("late")
	if got := c.Stats().Dropped; got < st.Dropped+1 {
		t.Fatalf("late event not counted dropped")
	}
}

func TestShutdownDeliversQueued(t *testing.T) {
	srv := startServer(t, nil)
	c, err := New(Config{Endpoint: srv.addr, FlushInterval: time.Hour, QueueSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for range n {
		c.Info("x", String("k", "v"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := len(srv.events()); got != n {
		t.Fatalf("delivered %d, want %d", got, n)
	}
	if st := c.Stats(); st.Sent != n {
		t.Fatalf("stats = %+v", st)
	}
	if err := c.Flush(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush after Shutdown = %v, want ErrClosed", err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestBatchSizeAndInterval(t *testing.T) {
	srv := startServer(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.addr, BatchSize: 10, FlushInterval: 50 * time.Millisecond})
	for range 25 {
		c.Info("x")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.events()) < 25 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.stored) != 25 {
		t.Fatalf("stored %d, want 25 (the last 5 by the interval)", len(srv.stored))
	}
	for _, b := range srv.batches {
		if len(b.Events) > 10 {
			t.Fatalf("batch of %d events, BatchSize is 10", len(b.Events))
		}
	}
}

func TestHeadersAPIKeyAndResource(t *testing.T) {
	srv := startServer(t, nil)
	c := newTestClient(t, Config{
		Endpoint: srv.addr, APIKey: "s3cret", Headers: map[string]string{"x-tenant": "acme"},
		Service: "checkout", Environment: "prod", Release: "1.2.3", Host: "h1",
		ResourceAttributes: []Option{String("k8s.pod.name", "pod-1")},
	})
	c.Info("x")
	flush(t, c)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	md := srv.md[0]
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer s3cret" {
		t.Fatalf("authorization = %v", got)
	}
	if got := md.Get("x-tenant"); len(got) != 1 || got[0] != "acme" {
		t.Fatalf("x-tenant = %v", got)
	}
	r := srv.batches[0].Resource
	if r.Service != "checkout" || r.Environment != "prod" || r.Release != "1.2.3" || r.Host != "h1" ||
		len(r.Attributes) != 1 || r.Attributes[0].Key != "k8s.pod.name" {
		t.Fatalf("resource = %v", r)
	}
}

// panicExporter checks that a broken transport cannot take the host down.
type panicExporter struct{}

func (panicExporter) Export(context.Context, *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	panic("boom")
}
func (panicExporter) Close() error { panic("boom") }

func TestExporterPanicIsContained(t *testing.T) {
	log, buf := testLogger()
	c := newTestClient(t, Config{Exporter: panicExporter{}, Logger: log})
	c.Info("x")
	flush(t, c)
	if st := c.Stats(); st.Failed != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if !strings.Contains(buf.String(), "panicked") {
		t.Fatalf("warning = %q", buf.String())
	}
}

func TestFatalFlushesAndReturns(t *testing.T) {
	srv := startServer(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.addr})
	c.Fatal("about to stop", String("why", "test"))
	// Fatal returned (the process did not exit) and the event is delivered.
	evs := srv.events()
	if len(evs) != 1 || evs[0].Severity != airesv1.Severity_SEVERITY_FATAL {
		t.Fatalf("events = %v", evs)
	}
}

func TestNilClientAndNoInit(t *testing.T) {
	var c *Client
	c.Info("x")
	c.Fatal("x")
	_ = c.Flush(context.Background())
	_ = c.Shutdown(context.Background())
	_ = c.Stats()
	old := SetDefault(nil)
	defer SetDefault(old)
	Info("nothing happens")
	Error("nothing happens", WithError(errors.New("e")))
}

// The package-level functions act on the default client, as log/slog's do;
// GetStats stays as a deprecated alias of Default().Stats().
func TestPackageFunctionsUseDefaultClient(t *testing.T) {
	srv := startServer(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.addr, FlushInterval: time.Hour})
	old := SetDefault(c)
	defer SetDefault(old)
	Info("one")
	Warn("two")
	if err := Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := Default().Stats(); got.Enqueued != 2 || got.Sent != 2 {
		t.Fatalf("Default().Stats() = %+v, want 2 enqueued and sent", got)
	}
	if got, want := GetStats(), Default().Stats(); got != want {
		t.Fatalf("GetStats() = %+v, Default().Stats() = %+v", got, want)
	}
	if n := len(srv.events()); n != 2 {
		t.Fatalf("server stored %d events, want 2", n)
	}
}

// TestFullQueueDropsBeforeEncoding: an event that finds the queue full is
// dropped before it is stamped, given an id or encoded, so an application
// logging faster than the collector takes its events pays little for those
// it loses. The id counter tells whether an event was built.
func TestFullQueueDropsBeforeEncoding(t *testing.T) {
	c := &Client{queue: make(chan *event, 2)}
	c.Info("first", String("k", "v"))
	c.Info("second", String("k", "v"))
	if st := c.Stats(); st.Enqueued != 2 || st.Dropped != 0 {
		t.Fatalf("with room in the queue: %+v, want 2 enqueued", st)
	}
	before := uuidCounter.Load()
	for range 100 {
		c.Info("dropped", String("k", "v"), Int("n", 1))
	}
	if st := c.Stats(); st.Dropped != 100 {
		t.Fatalf("with the queue full: %+v, want 100 dropped", st)
	}
	if built := uuidCounter.Load() - before; built != 0 {
		t.Fatalf("%d of the 100 dropped events were built first (ids taken); a full queue must drop before any work", built)
	}
}

// BenchmarkInfoQueueFull is the cost of a logging call whose event is
// dropped because the queue is full.
func BenchmarkInfoQueueFull(b *testing.B) {
	c := &Client{queue: make(chan *event)}
	b.ReportAllocs()
	for b.Loop() {
		c.Info("order placed", String("order.id", "ord-1234"), Int("items", 3), Bool("paid", true))
	}
}
