package aires

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// fakeServer is an in-process collector on a real loopback listener. Its
// handler decides each call's answer from the call number (0-based).
type fakeServer struct {
	airesv1.UnimplementedIngestServiceServer
	addr string
	gs   *grpc.Server

	mu      sync.Mutex
	handler func(call int, b *airesv1.EventBatch) (*airesv1.IngestResponse, error)
	calls   []time.Time
	md      []metadata.MD
	stored  []*airesv1.Event
	batches []*airesv1.EventBatch
}

func startServer(t testing.TB, h func(call int, b *airesv1.EventBatch) (*airesv1.IngestResponse, error), opts ...grpc.ServerOption) *fakeServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The Aires collector takes zstd (the SDK's default) through the
	// OpenTelemetry Collector's registered decompressor; a test server
	// takes it through a server option, so that nothing in the test binary
	// registers a "zstd" the SDK could be relying on.
	opts = append([]grpc.ServerOption{zstdServerOption()}, opts...)
	gs := grpc.NewServer(opts...)
	s := &fakeServer{addr: lis.Addr().String(), handler: h, gs: gs}
	airesv1.RegisterIngestServiceServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	return s
}

func (s *fakeServer) Ingest(ctx context.Context, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	call := len(s.calls)
	s.calls = append(s.calls, time.Now())
	s.md = append(s.md, md)
	h := s.handler
	s.mu.Unlock()
	var resp *airesv1.IngestResponse
	var err error
	if h != nil {
		resp, err = h(call, b)
	}
	if err != nil {
		return nil, err
	}
	if resp == nil {
		resp = &airesv1.IngestResponse{Accepted: uint64(len(b.Events))}
	}
	s.mu.Lock()
	rejected := map[uint32]bool{}
	for _, r := range resp.Rejections {
		rejected[r.Index] = true
	}
	for i, e := range b.Events {
		if !rejected[uint32(i)] {
			s.stored = append(s.stored, e)
		}
	}
	s.batches = append(s.batches, b)
	s.mu.Unlock()
	return resp, nil
}

func (s *fakeServer) callTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls...)
}

func (s *fakeServer) events() []*airesv1.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*airesv1.Event(nil), s.stored...)
}

// syncBuffer is a goroutine-safe log sink for the SDK's warnings.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

func newTestClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = 5 * time.Millisecond
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = time.Hour // tests flush explicitly
	}
	if cfg.IdleDelay == 0 {
		cfg.IdleDelay = -1 // nor does an idle client's first event leave early
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

func flush(t testing.TB, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// newRefuses fails unless New refuses cfg with an error that contains want.
func newRefuses(t *testing.T, cfg Config, want string) {
	t.Helper()
	c, err := New(cfg)
	if err == nil {
		_ = c.Shutdown(t.Context())
		t.Fatalf("New accepted %+v", cfg)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
