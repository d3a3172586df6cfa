// Package sdktest captures Aires events in memory, for applications' own
// tests: give the client it returns to the code under test, then inspect the
// events exactly as they would have been sent (aires.v1 protobuf messages).
//
//	rec := sdktest.New(t, aires.Config{Service: "checkout"})
//	placeOrder(rec.Client)
//	evs := rec.Events() // flushes first
package sdktest

import (
	"context"
	"sync"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
	"google.golang.org/protobuf/proto"
)

// Recorder is an aires.Exporter that keeps every batch in memory.
type Recorder struct {
	// Client sends to this recorder; it is shut down by the test's cleanup.
	Client *aires.Client

	mu      sync.Mutex
	batches []*airesv1.EventBatch
}

// New returns a Recorder whose Client uses cfg (its Exporter replaced by the
// recorder, FlushInterval shortened to 10ms unless set). The client is shut
// down when the test ends. tb may be nil (then call Client.Shutdown
// yourself).
func New(tb testing.TB, cfg aires.Config) *Recorder {
	r := &Recorder{}
	cfg.Exporter = r
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = 10 * time.Millisecond
	}
	c, err := aires.New(cfg)
	if err != nil { // cannot happen with an Exporter set
		if tb != nil {
			tb.Fatalf("sdktest: %v", err)
		}
		panic(err)
	}
	r.Client = c
	if tb != nil {
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.Shutdown(ctx)
		})
	}
	return r
}

// Export implements aires.Exporter: it keeps a copy of the batch.
func (r *Recorder) Export(_ context.Context, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	cp := proto.Clone(b).(*airesv1.EventBatch)
	r.mu.Lock()
	r.batches = append(r.batches, cp)
	r.mu.Unlock()
	return &airesv1.IngestResponse{Accepted: uint64(len(b.Events))}, nil
}

// Close implements aires.Exporter.
func (r *Recorder) Close() error { return nil }

// Events flushes the client (up to 5s) and returns every event recorded so
// far, in order.
func (r *Recorder) Events() []*airesv1.Event {
	r.flush()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*airesv1.Event
	for _, b := range r.batches {
		out = append(out, b.Events...)
	}
	return out
}

// Batches flushes the client and returns the recorded batches (with their
// resource).
func (r *Recorder) Batches() []*airesv1.EventBatch {
	r.flush()
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*airesv1.EventBatch(nil), r.batches...)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.flush()
	r.mu.Lock()
	r.batches = nil
	r.mu.Unlock()
}

func (r *Recorder) flush() {
	if r.Client == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.Client.Flush(ctx)
}

// Attr returns the value of the attribute key of ev (nil when absent), as a
// Go value: string, int64, float64, bool, []any or map[string]any.
func Attr(ev *airesv1.Event, key string) any {
	for _, kv := range ev.GetAttributes() {
		if kv.GetKey() == key {
			return Value(kv.GetValue())
		}
	}
	return nil
}

// Value converts an aires.v1.AnyValue to a Go value (see Attr).
func Value(v *airesv1.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *airesv1.AnyValue_StringValue:
		return x.StringValue
	case *airesv1.AnyValue_IntValue:
		return x.IntValue
	case *airesv1.AnyValue_DoubleValue:
		return x.DoubleValue
	case *airesv1.AnyValue_BoolValue:
		return x.BoolValue
	case *airesv1.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, Value(e))
		}
		return out
	case *airesv1.AnyValue_KvlistValue:
		out := make(map[string]any, len(x.KvlistValue.GetValues()))
		for _, kv := range x.KvlistValue.GetValues() {
			out[kv.GetKey()] = Value(kv.GetValue())
		}
		return out
	}
	return nil
}
