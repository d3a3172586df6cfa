package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// With sending_queue.wait_for_result the receiver's answer is the insert's:
// OK means the rows are in the table already; a batch ClickHouse refuses for
// good is INVALID_ARGUMENT (do not retry); ClickHouse down is UNAVAILABLE
// with a RetryInfo once the exporter's retries give up, before the client's
// deadline.
func TestWaitForResultAnswers(t *testing.T) {
	e := newEnv(t, func(s *collectorSettings) {
		s.WaitForResult = true
		s.RetryMaxElapsed = "2s"
	})
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute)

	for n := range 3 {
		b := fullBatch(0, 100, ts)
		for i, ev := range b.Events {
			ev.Id[14], ev.Id[15] = byte(n), byte(i)
		}
		resp, err := client.Ingest(ctxTimeout(t, 30*time.Second), b)
		require.NoError(t, err)
		require.Equal(t, uint64(100), resp.Accepted)
		var stored uint64
		require.NoError(t, e.db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&stored))
		assert.Equal(t, uint64(100*(n+1)), stored, "acknowledged means stored: no wait before the query")
	}

	// The table is gone (renamed): UNKNOWN_TABLE, permanent.
	_, err := e.db.Exec(`RENAME TABLE aires_e2e.events TO aires_e2e.events_away`)
	require.NoError(t, err)
	_, err = client.Ingest(ctxTimeout(t, 30*time.Second), fullBatch(0xa0, 10, ts))
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "permanent refusal: %v", err)
	_, err = e.db.Exec(`RENAME TABLE aires_e2e.events_away TO aires_e2e.events`)
	require.NoError(t, err)

	// ClickHouse down: retried for 2s, then UNAVAILABLE with RetryInfo.
	require.NoError(t, e.ch.Stop())
	_, err = client.Ingest(ctxTimeout(t, 30*time.Second), fullBatch(0xb0, 10, ts))
	st := status.Convert(err)
	require.Equal(t, codes.Unavailable, st.Code(), "ClickHouse down: %v", err)
	require.NotNil(t, retryInfo(st), "UNAVAILABLE must carry a RetryInfo: %v", st)
	e.col.alive(t)

	var stored uint64
	require.NoError(t, e.ch.Restart())
	require.NoError(t, e.db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&stored))
	assert.Equal(t, uint64(300), stored, "nothing refused was stored")
}
