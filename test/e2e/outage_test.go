package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ClickHouse goes away while the collector runs: the collector keeps
// running, queues what it accepted, answers UNAVAILABLE with a RetryInfo once
// its queue is full, and delivers the queued rows when ClickHouse is back.
func TestClickHouseOutage(t *testing.T) {
	e := newEnv(t, func(s *collectorSettings) { s.QueueSize = 3000 })
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute)

	// Prove the path works, then take ClickHouse down.
	first := fullBatch(0, 1, ts)
	_, err := client.Ingest(ctxTimeout(t, 10*time.Second), first)
	require.NoError(t, err)
	waitCount(t, e.db, 1, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	require.NoError(t, e.ch.Stop())

	accepted := uint64(1)
	var refusal *status.Status
	deadline := time.Now().Add(60 * time.Second)
	for n := 0; refusal == nil; n++ {
		require.True(t, time.Now().Before(deadline), "the receiver never refused data with ClickHouse down (accepted %d)", accepted)
		b := fullBatch(0, 250, ts)
		for i, ev := range b.Events { // unique ids: 2 bytes of batch number, 1 of index
			ev.Id[13], ev.Id[14], ev.Id[15] = byte(n>>8), byte(n), byte(i)
		}
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		if err != nil {
			refusal = status.Convert(err)
			break
		}
		accepted += resp.Accepted
	}
	e.col.alive(t)
	assert.Equal(t, codes.Unavailable, refusal.Code(), "refusal: %v", refusal)
	retry := retryInfo(refusal)
	require.NotNil(t, retry, "UNAVAILABLE must carry a RetryInfo: %v", refusal)
	assert.Positive(t, retry.RetryDelay.AsDuration())
	t.Logf("accepted %d events before the refusal: %v (retry after %v)", accepted, refusal.Message(), retry.RetryDelay.AsDuration())

	require.NoError(t, e.ch.Restart())
	waitCount(t, e.db, accepted, 90*time.Second, `SELECT count() FROM aires_e2e.events`)
	waitCount(t, e.db, accepted, time.Second, `SELECT uniqExact(id) FROM aires_e2e.events`)
	e.col.alive(t)
}

// retryInfo is the RetryInfo detail of st, or nil.
func retryInfo(st *status.Status) *errdetails.RetryInfo {
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retry = ri
		}
	}
	return retry
}
