package e2e

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
)

// Two collectors in front of one ClickHouse, both with wait_for_result (an
// acknowledgement means inserted), and SDK clients given both addresses
// (Config.Endpoints). The load is spread over both; one is killed with
// SIGKILL mid-load and the clients go on with the other. Every event a
// collector acknowledged must be in ClickHouse, and no batch may be given up
// (Stats.Failed): a batch cut off with the dead collector is retried on the
// live one. Duplicates (a batch inserted just before the kill, then retried)
// are counted and logged.
func TestLoadSpreadAndCollectorKilled(t *testing.T) {
	waitForResult := func(s *collectorSettings) { s.WaitForResult, s.ExporterBatching = true, false }
	e := newEnv(t, waitForResult)
	second := e.col.collectorSettings
	second.AiresPort, second.OTLPPort, second.HealthPort = freePort(t), freePort(t), freePort(t)
	victim := startCollector(t, collectorBinary(t), second)
	survivor := e.col

	acked := newAckLog()
	per := newPeerLog()
	// wait_for_result holds each call until its insert: batches of 1,024
	// keep the 4 clients' rate above the load's 10,000 events/s with one
	// collector, so no backlog builds up (README, Reliability).
	const batchSize = 1024
	load := startLoadWith(t, aires.Config{
		Endpoints: []string{survivor.airesTarget(), victim.airesTarget()},
		Service:   "balance-test",
		BatchSize: batchSize,
	}, per.interceptor(acked.interceptor))

	// Both collectors take a share of the load before the kill.
	const share = 2000
	per.waitEach(t, []string{survivor.airesTarget(), victim.airesTarget()}, share, 60*time.Second)
	// Kill returns once the process is gone: from then on it answers
	// nothing. Answers it wrote just before may still be read after the
	// snapshot: at most the calls in flight, one batch per client.
	victim.proc.Kill()
	atKill := per.snapshot()
	inFlight := uint64(len(load.clients) * aires.DefaultMaxConcurrentRequests * batchSize)
	// The survivor carries on alone, long enough that a victim still
	// answering would take more than inFlight.
	per.waitEach(t, []string{survivor.airesTarget()}, atKill[survivor.airesTarget()]+2*inFlight, 60*time.Second)
	load.drain(t, 60*time.Second)
	sent := load.stop()
	failed, dropped := load.unsent()
	survivor.alive(t)
	end := per.snapshot()

	waitStable(t, e.db, 2*time.Second, 30*time.Second)
	lost, rows, unique := compareStored(t, e.db, acked)
	t.Logf("acknowledged events by collector: at the kill %v, at the end %v; failed calls (retried) %v",
		atKill, end, per.failedCalls())
	t.Logf("SDK sent %d, failed %d, dropped %d; acknowledged ids %d; stored %d rows (%d ids); acknowledged and lost %d; duplicates %d",
		sent, failed, dropped, acked.len(), rows, unique, lost, rows-unique)

	var perSum uint64
	for _, n := range end {
		perSum += n
	}
	require.Equal(t, sent, uint64(acked.len()), "the interceptor saw what the SDK counted as sent")
	require.Equal(t, sent, perSum, "every acknowledged event came from one of the two collectors")
	assert.Zero(t, lost, "acknowledged events are not stored")
	assert.Zero(t, failed, "batches were given up instead of sent to the live collector")
	assert.LessOrEqual(t, end[victim.airesTarget()]-atKill[victim.airesTarget()], inFlight,
		"the killed collector acknowledged more events after the kill than were in flight when it died")
}

// peerLog counts, per collector address, the events acknowledged over the
// SDK's connections: the collector that answered is the call's peer.
// Calls that failed are counted too, by the collector they were sent to
// when the connection got that far.
type peerLog struct {
	mu     sync.Mutex
	acked  map[string]uint64
	failed map[string]int
}

func newPeerLog() *peerLog { return &peerLog{acked: map[string]uint64{}, failed: map[string]int{}} }

// interceptor wraps next (which still sees every call) and counts the
// events of each answered Ingest under the address that answered it.
func (p *peerLog) interceptor(next grpc.UnaryClientInterceptor) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var from peer.Peer
		err := next(ctx, method, req, reply, cc, invoker, append(opts, grpc.Peer(&from))...)
		addr := "no connection"
		if from.Addr != nil {
			addr = from.Addr.String()
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			p.failed[addr]++
			return err
		}
		if resp, ok := reply.(*airesv1.IngestResponse); ok {
			p.acked[addr] += resp.GetAccepted()
		}
		return nil
	}
}

func (p *peerLog) failedCalls() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.failed)
}

func (p *peerLog) snapshot() map[string]uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.acked)
}

// waitEach waits until each of addrs has acknowledged at least want events.
func (p *peerLog) waitEach(t *testing.T, addrs []string, want uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := p.snapshot()
		short := ""
		for _, a := range addrs {
			if got[a] < want {
				short += fmt.Sprintf(" %s: %d", a, got[a])
			}
		}
		if short == "" {
			return
		}
		require.True(t, time.Now().Before(deadline), "after %v, collectors with fewer than %d acknowledged events:%s", timeout, want, short)
		time.Sleep(50 * time.Millisecond)
	}
}
