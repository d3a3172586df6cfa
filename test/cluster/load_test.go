package cluster

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// load sends batches of events with ids of their own to collectors, from a
// few clients at once, and records the ids of every batch a collector
// acknowledged (an OK answer accepting every event).
type load struct {
	mu      sync.Mutex
	acked   map[[16]byte]bool
	sent    int // events sent, acknowledged or not
	failed  int // batches not acknowledged
	lastErr error

	stop chan struct{}
	wg   sync.WaitGroup
}

const loadBatch = 200

// startLoad starts clients sending to ports (the collectors' Aires ports),
// two a port, until stop. run numbers the test's events apart from other
// tests'.
func startLoad(t *testing.T, run byte, ports ...int) *load {
	t.Helper()
	l := &load{acked: map[[16]byte]bool{}, stop: make(chan struct{})}
	var seq uint64
	var seqMu sync.Mutex
	next := func() uint64 {
		seqMu.Lock()
		defer seqMu.Unlock()
		seq++
		return seq
	}
	for i, port := range ports {
		conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		client := airesv1.NewIngestServiceClient(conn)
		for range 2 {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				services := []string{"checkout", "cart", "search", "auth"}
				for {
					select {
					case <-l.stop:
						return
					default:
					}
					b := &airesv1.EventBatch{Resource: &airesv1.Resource{Service: services[i%len(services)]}}
					ids := make([][16]byte, loadBatch)
					now := time.Now()
					for k := range ids {
						n := next()
						ids[k][0], ids[k][6], ids[k][8] = run, 0x70, 0x80
						binary.BigEndian.PutUint64(ids[k][8:], n|0x8000000000000000)
						b.Events = append(b.Events, &airesv1.Event{
							Id:                ids[k][:],
							TimestampUnixNano: uint64(now.UnixNano()) + uint64(k),
							Severity:          airesv1.Severity(1 + int(n%6)),
							Service:           services[int(n)%len(services)],
							Message:           fmt.Sprintf("event %d", n),
						})
					}
					ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
					resp, err := client.Ingest(ctx, b)
					cancel()
					l.mu.Lock()
					l.sent += len(ids)
					if err == nil && resp.Accepted == uint64(len(ids)) {
						for _, id := range ids {
							l.acked[id] = true
						}
					} else {
						l.failed++
						l.lastErr = err
					}
					l.mu.Unlock()
				}
			}()
		}
	}
	return l
}

// finish stops the clients and waits for their last answers.
func (l *load) finish() {
	close(l.stop)
	l.wg.Wait()
}

// ackedCount is the number of acknowledged events.
func (l *load) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// missing returns the acknowledged ids that stored (the ids in the events
// table, with how many rows each) lacks.
func (l *load) missing(stored map[[16]byte]int) [][16]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][16]byte
	for id := range l.acked {
		if stored[id] == 0 {
			out = append(out, id)
		}
	}
	return out
}

func (l *load) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%d events sent, %d acknowledged, %d batches not acknowledged (last error: %v)", l.sent, len(l.acked), l.failed, l.lastErr)
}
