package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// SeqKey is the int attribute that numbers every event of a run.
const SeqKey = "chaos.seq"

const ingestMethod = "/aires.v1.IngestService/Ingest"

// ledger counts a scenario's events by sequence number: how many were
// issued, and which ones the collector acknowledged.
//
// The SDK has no per-event acknowledgement hook (Stats().Sent is a count),
// so the ledger watches the SDK's own gRPC calls with a unary client
// interceptor given through Config.DialOptions: when an Ingest call returns
// OK, the seqs of the batch it carried, minus the events its answer
// rejects, are acknowledged. The SDK's transport is unchanged. The ledger's
// total is checked against the sum of Stats().Sent at the end (check).
type ledger struct {
	next atomic.Int64 // last seq issued

	mu    sync.Mutex
	acked map[int64]struct{}
	// unknown counts events of answers that rejected some events without
	// saying which (none of that batch is counted as acknowledged).
	unknown uint64
}

func newLedger() *ledger { return &ledger{acked: make(map[int64]struct{})} }

func (l *ledger) issue() int64 { return l.next.Add(1) }

func (l *ledger) sent() uint64 { return uint64(l.next.Load()) }

func (l *ledger) ack(seqs ...int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range seqs {
		l.acked[s] = struct{}{}
	}
}

func (l *ledger) acknowledged() map[int64]struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[int64]struct{}, len(l.acked))
	for s := range l.acked {
		out[s] = struct{}{}
	}
	return out
}

// intercept records the acknowledged seqs of each successful Ingest call.
func (l *ledger) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != nil || method != ingestMethod {
		return err
	}
	batch, derr := decodeBatch(req)
	if derr != nil {
		return fmt.Errorf("chaos: cannot read the SDK's batch: %w", derr)
	}
	resp, _ := reply.(*airesv1.IngestResponse)
	rejected := map[uint32]bool{}
	for _, r := range resp.GetRejections() {
		rejected[r.GetIndex()] = true
	}
	if resp.GetRejected() > uint64(len(rejected)) {
		l.mu.Lock()
		l.unknown += uint64(len(batch.GetEvents()))
		l.mu.Unlock()
		return nil
	}
	seqs := make([]int64, 0, len(batch.GetEvents()))
	for i, ev := range batch.GetEvents() {
		if s, ok := seqOf(ev.GetAttributes()); ok && !rejected[uint32(i)] {
			seqs = append(seqs, s)
		}
	}
	l.ack(seqs...)
	return nil
}

// decodeBatch reads the request of an Ingest call: the SDK sends its batch
// already encoded (a named []byte type), other clients an EventBatch.
func decodeBatch(req any) (*airesv1.EventBatch, error) {
	if m, ok := req.(*airesv1.EventBatch); ok {
		return m, nil
	}
	v := reflect.ValueOf(req)
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.Uint8 {
		return nil, fmt.Errorf("unexpected request type %T", req)
	}
	b := &airesv1.EventBatch{}
	return b, proto.Unmarshal(v.Bytes(), b)
}

func seqOf(attrs []*airesv1.KeyValue) (int64, bool) {
	for _, kv := range attrs {
		if kv.GetKey() == SeqKey {
			return kv.GetValue().GetIntValue(), true
		}
	}
	return 0, false
}

// unpacedBacklog bounds the events an unpaced client keeps queued: enough
// to always have the next batch ready, few enough to flush in seconds.
const unpacedBacklog = 1024

// loadSpec is what the SDK clients send.
type loadSpec struct {
	Streams      int // SDK clients, each with its own worker
	Rate         int // events per second over all streams; 0: as fast as the SDK takes them
	MessageBytes int // size of each event's message
	BatchSize    int // SDK batch size (0: the SDK's default)
}

// load is the SDK clients of a scenario, sending until stop.
type load struct {
	spec    loadSpec
	led     *ledger
	clients []*aires.Client
	quit    chan struct{}
	wg      sync.WaitGroup
}

// startLoad starts spec.Streams clients sending to the aires receiver at
// endpoint, events numbered through led, service name service.
func startLoad(endpoint, service string, spec loadSpec, led *ledger) (*load, error) {
	l := &load{spec: spec, led: led, quit: make(chan struct{})}
	msg := strings.Repeat("m", max(spec.MessageBytes, 1))
	for range spec.Streams {
		c, err := aires.New(aires.Config{
			Endpoint:    endpoint,
			Service:     service,
			QueueSize:   1 << 16,
			BatchSize:   spec.BatchSize,
			MaxRetries:  20, // ride out a restart: backoff reaches 5 s after a few tries
			Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(led.intercept)},
		})
		if err != nil {
			l.stopClients()
			return nil, err
		}
		l.clients = append(l.clients, c)
	}
	for _, c := range l.clients {
		l.wg.Add(1)
		go l.send(c, msg)
	}
	return l, nil
}

// send logs events on c: paced in 10 ms ticks, or as fast as the SDK
// accepts them (its queue full, it waits a tick).
func (l *load) send(c *aires.Client, msg string) {
	defer l.wg.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	perTick := max(l.spec.Rate/len(l.clients)/100, 1)
	for {
		select {
		case <-l.quit:
			return
		case <-tick.C:
		}
		if l.spec.Rate > 0 {
			for range perTick {
				c.Info(msg, aires.Int64(SeqKey, l.led.issue()))
			}
			continue
		}
		// Unpaced: keep the SDK's queue topped up without dropping (a
		// dropped event would only measure the SDK's queue).
		for s := c.Stats(); s.Enqueued-s.Sent-s.Failed < unpacedBacklog; s = c.Stats() {
			for range 256 {
				c.Info(msg, aires.Int64(SeqKey, l.led.issue()))
			}
		}
	}
}

// finish stops sending, flushes every client (bounded by timeout) and
// returns the summed stats.
func (l *load) finish(timeout time.Duration) (aires.Stats, error) {
	close(l.quit)
	l.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, c := range l.clients {
		if err := c.Flush(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	st := l.stopClients()
	if len(errs) > 0 {
		return st, fmt.Errorf("%d of %d clients did not finish: %w", len(errs), len(l.clients), errs[0])
	}
	return st, nil
}

func (l *load) stopClients() aires.Stats {
	// One deadline for all: a client still retrying against a refusing
	// collector gives up its queue after it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.Shutdown(ctx)
		}()
	}
	wg.Wait()
	// The counts the table needs (Enqueued is not one).
	var sum aires.Stats
	for _, c := range l.clients {
		s := c.Stats()
		sum.Sent, sum.Failed, sum.Dropped = sum.Sent+s.Sent, sum.Failed+s.Failed, sum.Dropped+s.Dropped
	}
	return sum
}
