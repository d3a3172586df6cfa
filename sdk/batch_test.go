package aires

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

func TestBatchDelay(t *testing.T) {
	const interval = 500 * time.Millisecond
	for _, tc := range []struct {
		name      string
		idle      time.Duration
		inFlight  int
		neverSent bool
		since     time.Duration
		want      time.Duration
	}{
		{"first batch of the client", 5 * time.Millisecond, 0, true, 0, 5 * time.Millisecond},
		{"idle for a whole interval", 5 * time.Millisecond, 0, false, interval, 5 * time.Millisecond},
		{"idle for an hour", 5 * time.Millisecond, 0, false, time.Hour, 5 * time.Millisecond},
		{"sent recently: a busy client", 5 * time.Millisecond, 0, false, interval - time.Millisecond, interval},
		{"a batch in flight for an interval: a busy client", 5 * time.Millisecond, 1, false, interval, interval},
		{"first batch still in flight", 5 * time.Millisecond, 1, true, 0, interval},
		{"idle send disabled", -1, 0, true, time.Hour, interval},
		{"idle delay not shorter than the interval", interval, 0, true, time.Hour, interval},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{FlushInterval: interval, IdleDelay: tc.idle}
			if got := batchDelay(&cfg, tc.inFlight, tc.neverSent, tc.since); got != tc.want {
				t.Fatalf("batchDelay = %v, want %v", got, tc.want)
			}
		})
	}
}

// An idle client sends its event without waiting for the FlushInterval (an
// hour here) and without a Flush.
func TestIdleEventSentAtOnce(t *testing.T) {
	srv := startServer(t, nil)
	c := newTestClient(t, Config{Endpoint: srv.addr, FlushInterval: time.Hour, IdleDelay: time.Millisecond})
	c.Info("alone")
	for st := c.Stats(); st.Sent+st.Failed == 0; st = c.Stats() { // the test's own timeout ends a failure
		time.Sleep(time.Millisecond)
	}
	if st := c.Stats(); st.Sent != 1 {
		t.Fatalf("stats %+v, want 1 sent", st)
	}
	if ev := srv.events(); len(ev) != 1 || ev[0].GetMessage() != "alone" {
		t.Fatalf("server stored %v, want the one event", ev)
	}
}

// A batch is sent once it holds MaxBatchBytes, before BatchSize events, so
// large events never make a request the receiver refuses.
func TestMaxBatchBytesBoundsRequests(t *testing.T) {
	srv := startServer(t, nil)
	const maxBytes = 2000
	c := newTestClient(t, Config{Endpoint: srv.addr, BatchSize: 1000, MaxBatchBytes: maxBytes})
	msg := strings.Repeat("m", 300)
	const n = 50
	for range n {
		c.Info(msg)
	}
	flush(t, c)
	if got := len(srv.events()); got != n {
		t.Fatalf("delivered %d, want %d", got, n)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.batches) < n*300/maxBytes {
		t.Fatalf("%d batches for %d bytes of messages, MaxBatchBytes %d", len(srv.batches), n*300, maxBytes)
	}
	for _, b := range srv.batches {
		// At most one event beyond the limit: the one that reached it.
		one := proto.Size(b.Events[0]) + 3
		if size := proto.Size(b); size > maxBytes+one {
			t.Fatalf("batch of %d bytes (%d events), MaxBatchBytes %d", size, len(b.Events), maxBytes)
		}
	}
}
