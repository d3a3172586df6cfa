package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// With the sending queue on file_storage, what the collector acknowledged
// survives a collector restart while ClickHouse is down: nothing
// acknowledged is lost.
func TestPersistentQueueSurvivesRestart(t *testing.T) {
	storage := t.TempDir()
	e := newEnv(t, func(s *collectorSettings) {
		s.StorageDir = storage
		s.QueueSize = 50000
	})
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute)

	require.NoError(t, e.ch.Stop())
	var accepted uint64
	for n := 0; n < 8; n++ {
		b := fullBatch(0, 250, ts)
		for i, ev := range b.Events {
			ev.Id[13], ev.Id[14], ev.Id[15] = 0xee, byte(n), byte(i)
		}
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		require.NoError(t, err, "the queue has room: the receiver must accept")
		accepted += resp.Accepted
	}
	require.Equal(t, uint64(2000), accepted)

	// Stop the collector with its queue full of undelivered events and start
	// a new process on the same storage while ClickHouse is still down (it
	// must start anyway), then bring ClickHouse back: only the queue on disk
	// can deliver the events now.
	e.col.stop()
	restarted := startCollector(t, collectorBinary(t), e.col.collectorSettings)
	require.NoError(t, e.ch.Restart())
	waitCount(t, e.db, accepted, 90*time.Second, `SELECT count() FROM aires_e2e.events`)
	waitCount(t, e.db, accepted, time.Second, `SELECT uniqExact(id) FROM aires_e2e.events`)
	restarted.alive(t)
}
